"""Flags of the MRC task script (``trainers/run_mrc.py``): windows over long contexts and answer decoding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from args.errors import ArgumentsError


@dataclass
class MrcArguments:
    _argument_group_name = "MRC task"  # the heading of these flags in --help
    # Flags that shape the model or its training examples: a resume or a finished run's rerun keeps them (run_settings)
    _run_settings = ("doc_stride", "doc_stride_mode", "max_query_length")

    doc_stride: int = field(
        default=128,
        metadata={
            "help": "How far apart the windows over a context longer than --max_seq_length are, in tokens; "
            "see --doc_stride_mode for what it counts."
        },
    )
    doc_stride_mode: Literal["overlap", "step"] = field(
        default="overlap",
        metadata={
            "help": "What --doc_stride counts. 'overlap' (default; the Hugging Face run_qa.py `stride`): the "
            "context tokens that consecutive windows share; must be smaller than a window's room for context. "
            "'step' (the original BERT SQuAD code and KLUE-baseline): the context tokens from one window's start "
            "to the next; the overlap is then the window's room minus the step, which depends on the length of "
            "each question (KLUE-baseline's step 128 at 512 tokens is an overlap of 317 tokens for a 64-token "
            "question to 380 for a one-token one, with KLUE's tokenizers). configs/mrc.json uses step 128 to make "
            "the official windows."
        },
    )
    max_query_length: int = field(
        default=64,
        metadata={"help": "Longest question in tokens; longer questions are cut so the context keeps its room."},
    )
    n_best_size: int = field(
        default=20,
        metadata={
            "help": "Start and end candidates kept per window: the top-k logits among the window's context "
            "tokens (question, special and padding positions are masked first, so answers do not depend on the "
            "batch; KLUE-baseline takes the top k over all positions and filters afterwards, which can leave it "
            "fewer candidates), and the length of each question's n-best list in nbest_predictions.jsonl."
        },
    )
    max_answer_length: int = field(
        default=30, metadata={"help": "Longest answer span in tokens that decoding may predict."}
    )
    max_context_only: bool = field(
        default=True,
        metadata={
            "help": "Count a candidate span only in the window where its start token has the most context (the "
            "original BERT `_check_is_max_context`, as KLUE-baseline decodes: min(tokens left, tokens right of it "
            "in the window) + 0.01 x the window's context length). false: every window's candidates count, as in "
            "the Hugging Face run_qa.py post-processing."
        },
    )
    null_score_diff_threshold: float = field(
        default=0.0,
        metadata={
            "help": "Predict no answer (the empty string) when the no-answer score minus the best span's "
            "score exceeds this. Raise it to answer more often."
        },
    )

    def __post_init__(self) -> None:
        if self.doc_stride_mode not in ("overlap", "step"):
            raise ArgumentsError(f"--doc_stride_mode must be 'overlap' or 'step', got {self.doc_stride_mode!r}")
        for name in ("doc_stride", "max_query_length", "n_best_size", "max_answer_length"):
            value = getattr(self, name)
            minimum = 0 if name == "doc_stride" and self.doc_stride_mode == "overlap" else 1
            if value < minimum:
                # the minimum depends on the mode in use, so name that one
                suffix = f" with --doc_stride_mode {self.doc_stride_mode}" if name == "doc_stride" else ""
                raise ArgumentsError(f"--{name} must be >= {minimum}{suffix}, got {value}")
        if self.null_score_diff_threshold != self.null_score_diff_threshold:  # NaN: every comparison false
            raise ArgumentsError("--null_score_diff_threshold must be a number, got nan")
