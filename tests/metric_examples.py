"""One small scorable input per task, in the ``score_task`` unit (the metrics tests share them)."""

import numpy as np

EXAMPLES = {
    "ynat": ([0, 1, 2], [0, 1, 1]),
    "nli": ([0, 1, 2], [0, 1, 1]),
    "sts": ([0.5, 3.5, 4.0], [1.0, 3.0, 4.5]),
    "ner": ([["B-PS", "I-PS", "O"]], [["B-PS", "I-PS", "O"]]),
    "re": (np.eye(30)[[0, 1, 2]] * 0.9 + 0.1 / 30, [0, 1, 1]),
    "dp": (([[2, 0]], [["NP_SBJ", "VP"]]), ([[2, 0]], [["NP_SBJ", "VP"]])),
    "mrc": (["서울", ""], [["서울"], []]),
    "wos": ([["관광-종류-박물관"]], [["관광-종류-박물관"]]),
    "mcqa": ([1, 2, 5], [1, 3, 5]),
}
