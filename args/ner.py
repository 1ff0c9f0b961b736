"""Flags of the NER task script (``trainers/run_ner.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError

NER_SCORING = ("official", "characters")


@dataclass
class NerArguments:
    _argument_group_name = "NER task"  # the heading of these flags in --help

    ner_scoring: str = field(
        default="official",
        metadata={
            "help": "What the entity and character F1 score. 'official': as KLUE-baseline does, every sentence's "
            "non-space characters that its subwords reach (those cut off by --max_seq_length are left out of "
            "prediction and gold alike) between the predictions at its first ([CLS]) and last ([SEP]) model "
            "positions (gold O), all sentences as one sequence. 'characters': every non-space character of "
            "the sentences only, those cut off by --max_seq_length predicted O and scored.",
            "choices": list(NER_SCORING),
        },
    )

    def __post_init__(self) -> None:
        if self.ner_scoring not in NER_SCORING:
            raise ArgumentsError(f"--ner_scoring must be one of {', '.join(NER_SCORING)}, got {self.ner_scoring!r}")
