#!/usr/bin/env python
"""Merge result files: later files replace earlier files' rows of the same benchmark.

    .venv/bin/python bench/merge.py results/A-full.json results/B-full-B3.json --out results/latest.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result  # noqa: E402
from run import table  # noqa: E402


def merge(paths: list[Path]) -> dict:
    """Return one report whose rows per benchmark come from the last file that has them."""
    merged: dict = {"machine": {}, "sources": {}, "seconds": {}, "results": []}
    by_bench: dict[str, list[dict]] = {}
    for path in paths:
        report = json.loads(path.read_text())
        merged["machine"] = report["machine"]
        benches = sorted({r["bench"] for r in report["results"]})
        for bench in benches:
            by_bench[bench] = [r for r in report["results"] if r["bench"] == bench]
            merged["sources"][bench] = {"file": path.name, "date": report["machine"]["date"],
                                        "loadavg_at_start": report["machine"].get("loadavg_at_start")}
            merged["seconds"][bench] = report.get("seconds", {}).get(bench)
    merged["results"] = [row for bench in sorted(by_bench) for row in by_bench[bench]]
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    report = merge(args.files)
    args.out.write_text(json.dumps(report, indent=2))
    print(table([Result(**r) for r in report["results"]]))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
