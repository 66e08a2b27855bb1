"""Retrieval benchmarks: quality per question style, ablation, public benchmarks, speed and size.
The tables are made by the search library (indexer.benchmarks); ``python -m indexer eval`` prints
the same ones.

    .venv/bin/python -m indexer eval            # everything (a few minutes)
    .venv/bin/python -m indexer eval --quick    # skip STS-B and the from-scratch build
    .venv/bin/python bench/search_bench.py --full-build   # also time a full build with an empty cache
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer.benchmarks import run_benchmarks
from indexer.settings import IndexerSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full-build", action="store_true", help="also time a build with an empty cache (~6 min)")
    args = parser.parse_args()
    run_benchmarks(IndexerSettings.from_env(), quick=args.quick, full_build=args.full_build)


if __name__ == "__main__":
    main()
