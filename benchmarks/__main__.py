"""Run every benchmarks/bench_*.py module's main(), in name order; exit non-zero if any fails."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> int:
    names = sorted(p.stem for p in Path(__file__).resolve().parent.glob("bench_*.py"))
    only = sys.argv[1:]  # `python -m benchmarks load` runs bench_load only
    failed = 0
    for name in names:
        if only and name.removeprefix("bench_") not in only and name not in only:
            continue
        print(f"== {name}", flush=True)
        failed += 1 if importlib.import_module(f"benchmarks.{name}").main([]) else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
