"""How fast the sandbox starts and serves, so other benchmarks measure our clients, not it.

    uv run python -m benchmarks.sandbox [--seeds demo,small,large] [--pages 30]

Goals (issue "Sandbox part 1"): `serve --seed demo` answers within 3 s of start, `--seed large`
within 60 s; a 1000-row query page in under 50 ms. Results: benchmarks/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

import httpx

from benchmarks.common import free_port_block, summary, write

PAGE_QUERY = (
    "SELECT * FROM {entity} ORDERBY MetaData.LastUpdatedTime STARTPOSITION {start} MAXRESULTS 1000"
)


def measure_seed(seed: str, pages: int) -> dict[str, Any]:
    port = free_port_block()
    started = time.monotonic()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledgerlink_sandbox.cli",
            "serve",
            "--port",
            str(port),
            "--seed",
            seed,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = _wait_ready(base, timeout=120)
        answered = time.monotonic() - started
        result: dict[str, Any] = {"answers_after_s": round(answered, 2), "ready": ready}
        if ready:
            result |= _pages(base, pages)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(base: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/_sandbox/stats", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.05)
    return False


def _pages(base: str, pages: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=60) as http:
        # We measure serving, not the emulated limits.
        http.patch(
            "/_sandbox/settings",
            json={"rate_limit_per_second_realm_app": 100000, "rate_limit_per_minute_realm": 100000},
        ).raise_for_status()
        grant = http.post("/_sandbox/oauth/connect", json={}).json()
        realm = grant["realm_id"]
        headers = {"Authorization": f"Bearer {grant['access_token']}", "Accept": "application/json"}
        out: dict[str, Any] = {}
        for entity in ("Customer", "Invoice"):
            count = http.get(
                f"/v3/company/{realm}/query",
                params={"query": f"SELECT COUNT(*) FROM {entity}"},  # noqa: S608 - QBO, not SQL
                headers=headers,
            ).json()["QueryResponse"]["totalCount"]
            timings, rows = [], 0
            for i in range(pages):
                start = 1 + (i * 1000) % max(count, 1)
                query = PAGE_QUERY.format(entity=entity, start=start)
                t0 = time.perf_counter()
                response = http.get(
                    f"/v3/company/{realm}/query",
                    params={"query": query, "minorversion": "75"},
                    headers=headers,
                )
                timings.append(time.perf_counter() - t0)
                response.raise_for_status()
                rows = max(rows, len(response.json()["QueryResponse"].get(entity, [])))
            out[entity] = {"rows_in_company": count, "rows_per_page": rows, **summary(timings)}
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="demo,small,large")
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()
    results = {seed: measure_seed(seed, args.pages) for seed in args.seeds.split(",")}
    path = write("sandbox", results)
    print(path.read_text())


if __name__ == "__main__":
    main()
