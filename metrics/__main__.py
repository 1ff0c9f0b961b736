"""``python -m metrics``: the KLUE task names of the metrics table, one per line (``run_all.sh`` reads them).

The scorer is ``python -m metrics.score``.
"""

from metrics.tasks import TASKS

print("\n".join(TASKS))
