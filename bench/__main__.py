"""`python -m bench <name>|all [--quick]`: run benchmarks, print their figures and verdicts.

Each benchmark seeds its own data in a fresh SQLite file (in a temporary folder; the `-pg` ones
then move it into a fresh PostgreSQL database, dropped at the end), runs its load generator and
sink in processes of their own on loopback, bounded in count and time, and returns a `Verdict`.
The run's table, with a line describing the machine, is appended to bench/RESULTS.md. `--quick`
runs small sizes (all of them in under two minutes), for CI.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.harness import Verdict, append_results, machine_line, now_utc, print_verdict

# name -> module; the order `all` runs them in.
BENCHMARKS = {
    "push": "bench.bench_push",
    "push-pg": "bench.bench_push_pg",
    "push-unlimited": "bench.bench_push_unlimited",
    "fanout": "bench.bench_fanout",
    "updates": "bench.bench_updates",
    "updates-pg": "bench.bench_updates_pg",
    "go": "bench.bench_go",
    "orders": "bench.bench_orders",
    "miniapp": "bench.bench_miniapp",
    "stats": "bench.bench_stats",
    "memory": "bench.bench_memory",
    "abuse": "bench.bench_abuse",
}


def main(argv: list[str] | None = None) -> int:
    """Run the named benchmarks; exit 1 if one crashed (a missed target is not a failure)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument(
        "--no-record", action="store_true", help="do not append the results to bench/RESULTS.md"
    )
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if args.name == "all" else [args.name]
    started = now_utc()
    print(f"machine: {machine_line()}", flush=True)
    verdicts: list[Verdict] = []
    crashed: list[str] = []
    for name in names:
        print(f"\nbench {name} ({'quick' if args.quick else 'full'} size)", flush=True)
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
            try:
                verdict: Verdict = importlib.import_module(BENCHMARKS[name]).run(
                    Path(folder), args.quick
                )
            except Exception:
                traceback.print_exc()
                crashed.append(name)
                print(f"bench {name}: crashed", flush=True)
                continue
        verdict.figures.append(("benchmark wall time", f"{time.perf_counter() - began:.0f} s"))
        print_verdict(verdict)
        verdicts.append(verdict)
    if verdicts and not args.no_record:
        append_results(verdicts, quick=args.quick, started=started)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
