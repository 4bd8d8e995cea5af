"""A small but valid one-page PDF for an invoice (``GET /invoice/{id}/pdf``)."""

from __future__ import annotations

from typing import Any


def _escape(text: str) -> str:
    # PDF literal strings: escape the delimiters; keep to Latin-1 for the standard font.
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _text_lines(invoice: dict[str, Any], company: str) -> list[str]:
    lines = [
        company,
        f"INVOICE {invoice.get('DocNumber', invoice['Id'])}",
        f"Bill to: {invoice['CustomerRef'].get('name', invoice['CustomerRef']['value'])}",
        f"Date: {invoice.get('TxnDate', '')}    Due: {invoice.get('DueDate', '')}",
        "",
    ]
    for line in invoice.get("Line", []):
        if line.get("DetailType") == "SalesItemLineDetail":
            item = line["SalesItemLineDetail"]["ItemRef"].get("name", "")
            lines.append(f"{item:<40} {line['Amount']:>12.2f}")
    tax = invoice.get("TxnTaxDetail", {}).get("TotalTax", 0)
    lines += [
        "",
        f"{'Tax':<40} {tax:>12.2f}",
        f"{'Total':<40} {invoice['TotalAmt']:>12.2f}",
        f"{'Balance due':<40} {invoice['Balance']:>12.2f}",
    ]
    return lines


def invoice_pdf(invoice: dict[str, Any], company: str) -> bytes:
    body = ["BT", "/F1 11 Tf", "14 TL", "56 760 Td"]
    body += [f"({_escape(text)}) '" for text in _text_lines(invoice, company)]
    body.append("ET")
    stream = "\n".join(body).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
