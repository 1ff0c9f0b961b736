"""Flags of the MRC task script (``trainers/run_mrc.py``): windows over long contexts and answer decoding."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError


@dataclass
class MrcArguments:
    doc_stride: int = field(
        default=128,
        metadata={
            "help": "Tokens of context that consecutive windows share when a context is longer than "
            "--max_seq_length allows (the Hugging Face `stride`: an overlap, not the step between windows). "
            "Must be smaller than the room left for the context in a window."
        },
    )
    max_query_length: int = field(
        default=64,
        metadata={"help": "Longest question in tokens; longer questions are cut so the context keeps its room."},
    )
    n_best_size: int = field(
        default=20,
        metadata={
            "help": "Start and end candidates kept per window (the top-k logits), and the length of each "
            "question's n-best list in nbest_predictions.jsonl."
        },
    )
    max_answer_length: int = field(
        default=30, metadata={"help": "Longest answer span in tokens that decoding may predict."}
    )
    null_score_diff_threshold: float = field(
        default=0.0,
        metadata={
            "help": "Predict no answer (the empty string) when the no-answer score minus the best span's "
            "score exceeds this. Raise it to answer more often."
        },
    )

    def __post_init__(self) -> None:
        for name in ("doc_stride", "max_query_length", "n_best_size", "max_answer_length"):
            value = getattr(self, name)
            if value < (0 if name == "doc_stride" else 1):
                raise ArgumentsError(f"--{name} must be {'>= 0' if name == 'doc_stride' else '>= 1'}, got {value}")
