"""Generate ``token_costs.json`` from the official OpenAPI documents' ``x-token-cost``.

    python -m ledgerlink_sandbox.pipedrive.gen_costs          # rewrite the committed file
    python -m ledgerlink_sandbox.pipedrive.gen_costs --check  # exit 1 if it is out of date

The emulator charges what the documents say, read from this generated file so that nothing parses
3 MB of YAML at start-up. Every operation of both documents is listed, served or not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ledgerlink_sandbox.pipedrive.openapi import DOCUMENTS, OpenApiSpec

OUTPUT = Path(__file__).with_name("token_costs.json")
METHODS = ("get", "post", "put", "patch", "delete")


def costs_document(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``{"documents": {spec: file}, "costs": {spec: {"METHOD /path": cost}}}``, sorted."""
    costs: dict[str, dict[str, int]] = {}
    for spec in sorted(documents):
        table: dict[str, int] = {}
        for path, item in documents[spec]["paths"].items():
            for method in METHODS:
                operation = item.get(method)
                if isinstance(operation, dict) and "x-token-cost" in operation:
                    table[f"{method.upper()} {path}"] = int(operation["x-token-cost"])
        costs[spec] = dict(sorted(table.items()))
    return {"documents": dict(sorted(DOCUMENTS.items())), "costs": costs}


def render(documents: dict[str, dict[str, Any]]) -> str:
    return json.dumps(costs_document(documents), indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    text = render(OpenApiSpec.load().documents)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.name} is out of date: python -m {__spec__.name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
