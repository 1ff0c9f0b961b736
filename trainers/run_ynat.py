r"""Fine-tune and score an encoder on KLUE-YNAT (topic classification of news headlines).

    python trainers/run_ynat.py --model_name_or_path klue/roberta-base --output_dir out/ynat \
        --do_train --do_eval --do_predict

Metric: macro F1 (``eval_macro_f1``). ``--help`` lists every flag.
"""

from __future__ import annotations

import sys

from trainers.runner import main
from trainers.sequence_tasks import ClassificationTask


class YnatTask(ClassificationTask):
    name = "ynat"
    text_fields = ("title",)


if __name__ == "__main__":
    sys.exit(main(YnatTask()))
