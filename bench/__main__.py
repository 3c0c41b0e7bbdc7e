"""Run every bench/bench_*.py module's main(), one after another."""

from __future__ import annotations

import importlib
import pkgutil

import bench


def main() -> None:
    """Import each bench_* module of this package and run its main()."""
    for module in sorted(m.name for m in pkgutil.iter_modules(bench.__path__)):
        if module.startswith("bench_"):
            importlib.import_module(f"bench.{module}").main()
            print()


if __name__ == "__main__":
    main()
