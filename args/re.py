"""Flags of the RE task script (``trainers/run_re.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError

RE_HEADS = ("cls", "entity_start")


@dataclass
class ReArguments:
    _argument_group_name = "RE task"  # the heading of these flags in --help
    # Flags that shape the model or its training examples: a resume or a finished run's rerun keeps them (run_settings)
    _run_settings = ("re_head",)

    re_head: str = field(
        default="cls",
        metadata={
            "help": "The classifier over the marked sentence. 'cls': the encoder's sequence-classification head on "
            "[CLS] (AutoModelForSequenceClassification; the KLUE paper's baseline). 'entity_start': the hidden states "
            "at the <subj> and <obj> marker tokens, concatenated, then dense + tanh + linear "
            "(models/re_entity_start.py).",
            "choices": list(RE_HEADS),
        },
    )

    def __post_init__(self) -> None:
        if self.re_head not in RE_HEADS:
            raise ArgumentsError(f"--re_head must be one of {', '.join(RE_HEADS)}, got {self.re_head!r}")
