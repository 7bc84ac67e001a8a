"""Run every benchmark module (bench/bench_*.py) and write bench/results.json.

Each module exposes `run() -> dict[str, float]`. Figures are medians or ratios measured within
one run, so a noisy shared machine affects both sides of a comparison alike.

    python -m bench                 # all benchmarks
    python -m bench signing upload  # only bench_signing.py and bench_upload.py
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def main(selected: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if m.removeprefix("bench_") in selected]
    results: dict[str, float] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    failures = 0
    for name in modules:
        started = time.perf_counter()
        print(f"-- {name}", flush=True)
        try:
            figures = importlib.import_module(f"bench.{name}").run()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failures += 1
            continue
        # results.json holds one number per figure; details (lists of runs) stay in the log.
        for key, value in figures.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                results[key] = float(value)
            else:
                print(f"   {key}: {value}")
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    width = max((len(k) for k in results), default=10)
    print(f"\n{'figure':<{width}}  value")
    for key in sorted(results):
        print(f"{key:<{width}}  {results[key]:.4g}")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
