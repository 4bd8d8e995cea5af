"""Generated customers: names (unicode, look-alikes), jobs, contacts, addresses, balances."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .changes import Operation
from .fixtures import USD
from .names import CITIES, COMPANY_A, COMPANY_B, FIRST, LAST, STREETS, SUFFIX, look_alike
from .timefmt import pacific_epoch

Row = dict[str, Any]
Log = list[tuple[int, str, str, Operation]]


def fold(name: str) -> str:
    """The store's DisplayName uniqueness key (whitespace-collapsed, case-folded)."""
    return " ".join(name.split()).casefold()


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


@dataclass(eq=False)
class Customer:
    id: str
    created: int
    display: str
    parent: Customer | None = None
    level: int = 0
    given: str | None = None
    family: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    bill: Row | None = None
    ship: Row | None = None
    bill_block: Row | None = None
    delivery: str = "Print"
    term: str | None = None
    mobile: str | None = None
    fax: str | None = None
    web: str | None = None
    children: list[Customer] = field(default_factory=list)
    open_cents: int = 0
    with_jobs: int = 0
    last: int = 0
    sync: int = 0
    active: bool = True

    def __post_init__(self) -> None:
        self.last = self.created
        self.ref = {"value": self.id, "name": self.display}
        self.email_ref = {"Address": self.email} if self.email else None

    @property
    def fqn(self) -> str:
        return f"{self.parent.fqn}:{self.display}" if self.parent else self.display

    def touch(self, at: int, log: Log, horizon: int) -> None:
        """A balance-changing event: bumps LastUpdatedTime here and on every ancestor."""
        node: Customer | None = self
        while node is not None:
            node.last = max(node.last, at)
            if at >= horizon:
                log.append((at, "Customer", node.id, "Update"))
            node = node.parent

    def deactivate(self, at: int, log: Log, horizon: int) -> None:
        self.active, self.sync, self.last = False, self.sync + 1, at
        if at >= horizon:
            log.append((at, "Customer", self.id, "Update"))

    def row(self) -> Row:
        row: Row = {"Taxable": False}
        if self.bill:
            row["BillAddr"] = self.bill
        if self.ship:
            row["ShipAddr"] = self.ship
        row["Job"] = self.parent is not None
        row["BillWithParent"] = False
        if self.parent is not None:
            row["ParentRef"] = {"value": self.parent.id}
            row["Level"] = self.level
        row["Balance"] = self.open_cents / 100 if self.open_cents else 0
        row["BalanceWithJobs"] = self.with_jobs / 100 if self.with_jobs else 0
        row["CurrencyRef"] = USD
        row["PreferredDeliveryMethod"] = self.delivery
        row.update(domain="QBO", sparse=False, Id=self.id, SyncToken=str(self.sync))
        row["MetaData"] = {"CreateTime": _stamp(self.created), "LastUpdatedTime": _stamp(self.last)}
        if self.given:
            row["GivenName"] = self.given
        if self.family:
            row["FamilyName"] = self.family
        row["FullyQualifiedName"] = self.fqn
        if self.company:
            row["CompanyName"] = self.company
        row["DisplayName"] = self.display
        row["PrintOnCheckName"] = self.company or self.display
        row["Active"] = self.active
        if self.phone:
            row["PrimaryPhone"] = {"FreeFormNumber": self.phone}
        if self.mobile:
            row["Mobile"] = {"FreeFormNumber": self.mobile}
        if self.fax:
            row["Fax"] = {"FreeFormNumber": self.fax}
        if self.email_ref:
            row["PrimaryEmailAddr"] = self.email_ref
        if self.web:
            row["WebAddr"] = {"URI": self.web}
        if self.term:
            row["SalesTermRef"] = {"value": self.term}
        return row


def _stamp(epoch: int) -> str:
    return pacific_epoch(epoch)


class _Addresses:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_id = 1

    def take(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def street(self) -> Row:
        rng = self.rng
        city, state, zip_ = rng.choice(CITIES)
        lat = "INVALID" if rng.random() < 0.05 else f"{rng.uniform(36.5, 38.5):.7f}"
        lon = "INVALID" if lat == "INVALID" else f"{rng.uniform(-122.6, -121.5):.7f}"
        return {
            "Id": self.take(),
            "Line1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            "City": city,
            "CountrySubDivisionCode": state,
            "PostalCode": zip_,
            "Lat": lat,
            "Long": lon,
        }

    def block(self, c: Customer) -> Row | None:
        """The printed bill-to block invoices carry (same layout as the store builds)."""
        if c.bill is None:
            return None
        person = " ".join(p for p in (c.given, c.family) if p)
        lines = [person or c.display]
        if c.company and c.company != lines[0]:
            lines.append(c.company)
        lines += [
            c.bill["Line1"],
            f"{c.bill['City']}, {c.bill['CountrySubDivisionCode']}  {c.bill['PostalCode']}",
        ]
        block: Row = {"Id": self.take()}
        block.update({f"Line{i}": text for i, text in enumerate(lines, start=1)})
        block.update(Lat=c.bill["Lat"], Long=c.bill["Long"])
        return block


def make_customers(
    rng: random.Random, count: int, start: int, end: int
) -> tuple[list[Customer], int]:
    """Customers in creation order (Ids 1..count); returns them and the next address Id."""
    times = sorted(rng.randint(start, end - 2 * 86_400) for _ in range(count))
    taken: set[str] = set()
    companies: list[str] = []
    parents: list[Customer] = []
    addresses = _Addresses(rng)
    out: list[Customer] = []
    for index, created in enumerate(times):
        given, family = rng.choice(FIRST), rng.choice(LAST)
        parent = rng.choice(parents) if parents and rng.random() < 0.15 else None
        company: str | None = parent.company if parent is not None else None
        is_company = parent is None and rng.random() < 0.55
        if parent is not None:
            display = f"{rng.randint(100, 9999):04d} {rng.choice(STREETS)}"
        elif is_company:
            if companies and rng.random() < 0.05:
                display = look_alike(rng.choice(companies), rng.randrange(3))
            else:
                display = " ".join(
                    p
                    for p in (rng.choice(COMPANY_A), rng.choice(COMPANY_B), rng.choice(SUFFIX))
                    if p
                )
        else:
            display = f"{given} {family}"
        if fold(display) in taken:
            display = f"{display} ({rng.choice(CITIES)[0]})"
        if fold(display) in taken:
            display = f"{display} {index + 1}"
        taken.add(fold(display))
        if is_company:
            company = display
            companies.append(display)
        contact = not is_company or rng.random() < 0.7
        email = None
        if parent is not None and parent.email and rng.random() < 0.5:
            email = parent.email
        elif rng.random() < 0.85:
            host = _ascii(company or family) or "example"
            email = f"{_ascii(given) or 'info'}@{host}.com"
        c = Customer(
            str(index + 1),
            created,
            display,
            parent=parent,
            level=parent.level + 1 if parent else 0,
            given=given if contact else None,
            family=family if contact else None,
            company=company,
            email=email,
            phone=f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}"
            if rng.random() < 0.9
            else None,
            delivery="Email" if email and rng.random() < 0.4 else "Print",
            term=rng.choices((None, "4", "1"), (75, 15, 10))[0],
        )
        if rng.random() < 0.3:
            c.mobile = f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}"
        if rng.random() < 0.1:
            c.fax = f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}"
        if is_company and rng.random() < 0.4:
            c.web = f"http://{_ascii(display) or 'www'}.example.com"
        c.bill = addresses.street()
        c.ship = c.bill if rng.random() < 0.7 else None
        c.bill_block = addresses.block(c)
        if parent is not None:
            parent.children.append(c)
        if c.level < 2:
            parents.append(c)
        out.append(c)
    return out, addresses.next_id
