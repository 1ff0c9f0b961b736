"""The KLUE label inventories the metrics use, in the official KLUE-baseline order.

They are defined once, in ``klue_data.labels`` (a module without imports; importing it loads
no reader and no ``datasets``); this module re-exports them under the names the metrics
have always used.
"""

from __future__ import annotations

from klue_data.labels import (
    DP_DEPREL_CLASSES,
    DP_DEPREL_LABELS,
    MRC_QUESTION_TYPE_NAMES,
    MRC_QUESTION_TYPES,
    NER_ENTITY_TYPES,
    NER_HUB_TAGS,
    NER_TAGS,
    NLI_HUB_LABELS,
    NLI_LABELS,
    RE_HUB_RELATIONS,
    RE_NO_RELATION_ID,
    RE_RELATIONS,
    STS_BINARY_THRESHOLD,
    STS_MAX_SCORE,
    STS_MIN_SCORE,
    WOS_SYSTEM_ROLE,
    WOS_USER_ROLE,
    YNAT_HUB_LABELS,
    YNAT_LABELS,
)

__all__ = [
    "DP_DEPREL_CLASSES",
    "DP_DEPREL_LABELS",
    "MRC_QUESTION_TYPES",
    "MRC_QUESTION_TYPE_NAMES",
    "NER_ENTITY_TYPES",
    "NER_HUB_TAGS",
    "NER_TAGS",
    "NLI_HUB_LABELS",
    "NLI_LABELS",
    "RE_HUB_RELATIONS",
    "RE_NO_RELATION_ID",
    "RE_RELATIONS",
    "STS_BINARY_THRESHOLD",
    "STS_MAX_SCORE",
    "STS_MIN_SCORE",
    "WOS_SYSTEM_ROLE",
    "WOS_USER_ROLE",
    "YNAT_HUB_LABELS",
    "YNAT_LABELS",
]
