"""Flags of the WoS task script (``trainers/run_wos.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from args.errors import ArgumentsError


@dataclass
class WosArguments:
    _argument_group_name = "WoS task"  # the heading of these flags in --help
    # Flags that shape the model or its training examples: a resume or a finished run's rerun keeps them (run_settings)
    _run_settings = ("teacher_forcing_ratio", "max_value_length", "value_targets")

    ontology_file: str | None = field(
        default=None,
        metadata={
            "help": "The ontology (JSON {\"domain-slot\": [candidate values]}) that defines the slot list and the "
            "known domain-slot names. Default: ontology.json beside the dialogue files (--data_dir, or the "
            "folder of --train_file/--validation_file/--test_file, also in a wos-v1.1/ subfolder); else the "
            "slot list of an already trained WoS model; else the slots found in the training states (logged)."
        },
    )
    teacher_forcing_ratio: float = field(
        default=0.5,
        metadata={
            "help": "Share of training batches whose value decoder is fed the gold previous token (the others "
            "are fed the model's own best token), as in TRADE. Saved with the model."
        },
    )
    max_value_length: int | None = field(
        default=None,
        metadata={
            "help": "Most tokens generated per slot value, the end token included; longer gold values are cut "
            "for training (counted in the log). Also the generation length at evaluation; saved with the model. "
            "Default: a trained WoS model's own, else 12."
        },
    )

    value_targets: str | None = field(
        default=None,
        metadata={
            "help": "Which slots' values train the value generator: all (KLUE-baseline's and TRADE's: a slot the "
            "state leaves out is trained to generate 'none', a dontcare one 'dontcare') or ptr (only the slots "
            "whose value is generated). On a tiny model with a few hundred turns, 'none' of every slot swamps "
            "the values: the smoke preset uses ptr (smoke JGA 20.0 against 5.3 with all). Saved with the model; "
            "default: a trained WoS model's own, else all.",
            "choices": ["all", "ptr"],
        },
    )

    def __post_init__(self) -> None:
        if self.value_targets not in (None, "all", "ptr"):
            raise ArgumentsError(f"--value_targets must be all or ptr, got {self.value_targets!r}")
        if not 0.0 <= self.teacher_forcing_ratio <= 1.0:
            raise ArgumentsError(f"--teacher_forcing_ratio must be in [0, 1], got {self.teacher_forcing_ratio}")
        if self.max_value_length is not None and self.max_value_length < 2:
            raise ArgumentsError(f"--max_value_length must be >= 2 (a token and the end), got {self.max_value_length}")
