"""Print the dev scores of a benchmark run next to the KLUE paper's, one row per task and metric.

    python trainers/results_table.py outputs/klue_roberta-base klue/roberta-base

Reads ``OUT/<task>/eval_results.json`` for every task of the metrics table that has one, and the
paper's dev-set numbers from ``docs/paper-dev-results.csv`` (``-`` where the paper has none).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from metrics.tasks import TASKS

PAPER_RESULTS = Path(__file__).resolve().parents[1] / "docs" / "paper-dev-results.csv"


def results_table(out: Path, model: str) -> list[str]:
    rows = list(csv.DictReader(PAPER_RESULTS.open(encoding="utf-8")))
    paper = next((row for row in rows if row["model"] in (model, model.split("/")[-1])), {})
    lines = [f"{'task':6} {'metric':12} {'ours':>8} {'paper':>8}"]
    for name, task in TASKS.items():
        path = out / name / "eval_results.json"
        if not path.is_file():
            continue
        scores = json.loads(path.read_text(encoding="utf-8"))
        for key in task.metric_keys:
            ours = scores.get(f"eval_{key}")
            shown = "-" if ours is None else f"{ours:.2f}"
            lines.append(f"{name:6} {key:12} {shown:>8} {paper.get(f'{name}_{key}', '-'):>8}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    print("\n".join(results_table(Path(argv[0]), argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
