"""Print the dev scores of a benchmark run next to the KLUE paper's, one row per task and metric.

    python trainers/results_table.py outputs/klue_roberta-base klue/roberta-base

Reads ``OUT/<task>/eval_results.json`` (and train times) for every task with a folder in ``OUT``
and the paper's dev-set numbers from ``docs/paper-dev-results.csv`` (``-`` where the paper has
none). Prints only; ``python -m trainers.benchmark_report report OUT MODEL`` also writes the
results files and pictures (what ``run_all.sh`` calls).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainers.benchmark_report import PAPER_RESULTS, collect, text_table  # noqa: E402

__all__ = ["PAPER_RESULTS", "results_table", "main"]


def results_table(out: Path, model: str) -> list[str]:
    return text_table(collect(Path(out), model))


def main(argv: list[str]) -> int:
    if argv in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(argv) != 2:
        print(f"usage: {__doc__.strip().splitlines()[2].strip()}", file=sys.stderr)
        return 2
    if not Path(argv[0]).is_dir():
        print(f"error: {argv[0]}: no such folder (the --output_dir of run_all.sh)", file=sys.stderr)
        return 2
    print("\n".join(results_table(Path(argv[0]), argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
