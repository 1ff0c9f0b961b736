"""Flags of the DP task script (``trainers/run_dp.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError

DP_DECODING = ("greedy", "mst")


@dataclass
class DpArguments:
    _argument_group_name = "DP task"  # the heading of these flags in --help
    # Flags that shape the model or its training examples: a resume or a finished run's rerun keeps them (run_settings)
    _run_settings = ("pos_embedding_dim", "lstm_hidden_size", "arc_dim", "label_dim")

    decode: str = field(
        default="greedy",
        metadata={
            "help": "How heads are read from the arc scores. 'greedy': each word's best head, as KLUE-baseline "
            "scores (may give cycles or several roots). 'mst': the best well-formed tree with one root "
            "(Chu-Liu-Edmonds).",
            "choices": list(DP_DECODING),
        },
    )
    pos_embedding_dim: int = field(
        default=256,
        metadata={"help": "Size of the POS embedding added to each word (0: no POS input). New models only."},
    )
    lstm_hidden_size: int = field(
        default=768, metadata={"help": "Hidden size of the word BiLSTM, per direction. New models only."}
    )
    arc_dim: int = field(
        default=512, metadata={"help": "Size of the dependent and head projections the arc biaffine compares. "
                               "New models only."}
    )
    label_dim: int = field(
        default=256,
        metadata={"help": "Size of the projections the relation bilinear compares (its cost grows with the "
                  "square: most of the head's time, bench/DP.md). New models only."},
    )

    def __post_init__(self) -> None:
        if self.decode not in DP_DECODING:
            raise ArgumentsError(f"--decode must be one of {', '.join(DP_DECODING)}, got {self.decode!r}")
        if self.pos_embedding_dim < 0 or min(self.lstm_hidden_size, self.arc_dim, self.label_dim) < 1:
            raise ArgumentsError("--pos_embedding_dim must be >= 0 and --lstm_hidden_size, --arc_dim and "
                                 "--label_dim >= 1")
