r"""Fine-tune and score an encoder on KLUE-NLI (entailment / contradiction / neutral).

    python trainers/run_nli.py --model_name_or_path klue/roberta-base --output_dir out/nli \
        --do_train --do_eval --do_predict

Metric: accuracy (``eval_accuracy``). ``--help`` lists every flag.
"""

from __future__ import annotations

import sys

from trainers.runner import main
from trainers.sequence_tasks import ClassificationTask


class NliTask(ClassificationTask):
    name = "nli"
    cuda_graphs_by_default = True  # measured: bench/GPU_THROUGHPUT.md
    text_fields = ("premise", "hypothesis")


if __name__ == "__main__":
    sys.exit(main(NliTask()))
