"""Label inventories of the KLUE tasks, in the official KLUE-baseline order.

The order matters: ids in predictions files, in model heads and in the official metric
code are positions in these tuples.
"""

from __future__ import annotations

# KLUE-NER character tags (``KlueNERProcessor.get_labels``). ``O`` is last, so an id < 12
# is an entity tag whose type is ``id // 2`` and whose prefix is B for even ids, I for odd.
NER_TAGS: tuple[str, ...] = (
    "B-PS", "I-PS", "B-LC", "I-LC", "B-OG", "I-OG",
    "B-DT", "I-DT", "B-TI", "I-TI", "B-QT", "I-QT", "O",
)  # fmt: skip
NER_ENTITY_TYPES: tuple[str, ...] = ("PS", "LC", "OG", "DT", "TI", "QT")

# The 38 KLUE-DP dependency relations (``get_dep_labels``). The official LAS keeps the first
# 15 as classes of their own and folds every later one into a single "others" class.
DP_DEPREL_LABELS: tuple[str, ...] = (
    "NP", "NP_AJT", "VP", "NP_SBJ", "VP_MOD", "NP_OBJ", "AP", "NP_CNJ", "NP_MOD", "VNP",
    "DP", "VP_AJT", "VNP_MOD", "NP_CMP", "VP_SBJ", "VP_CMP", "VP_OBJ", "VNP_CMP", "AP_MOD",
    "X_AJT", "VP_CNJ", "VNP_AJT", "IP", "X", "X_SBJ", "VNP_OBJ", "VNP_SBJ", "X_OBJ", "AP_AJT",
    "L", "X_MOD", "X_CNJ", "VNP_CNJ", "X_CMP", "AP_CMP", "AP_SBJ", "R", "NP_SVJ",
)  # fmt: skip
DP_DEPREL_CLASSES: tuple[str, ...] = DP_DEPREL_LABELS[:15]

# KLUE-RE relations, equal to ``relation_list.json`` of KLUE v1.1 (0 = no_relation).
RE_RELATIONS: tuple[str, ...] = (
    "no_relation",
    "org:dissolved",
    "org:founded",
    "org:place_of_headquarters",
    "org:alternate_names",
    "org:member_of",
    "org:members",
    "org:political/religious_affiliation",
    "org:product",
    "org:founded_by",
    "org:top_members/employees",
    "org:number_of_employees/members",
    "per:date_of_birth",
    "per:date_of_death",
    "per:place_of_birth",
    "per:place_of_death",
    "per:place_of_residence",
    "per:origin",
    "per:employee_of",
    "per:schools_attended",
    "per:alternate_names",
    "per:parents",
    "per:children",
    "per:siblings",
    "per:spouse",
    "per:other_family",
    "per:colleagues",
    "per:product",
    "per:religion",
    "per:title",
)
RE_NO_RELATION_ID = 0

# KLUE-MRC question types: 1 paraphrase, 2 multi-sentence reasoning, 3 unanswerable.
MRC_QUESTION_TYPES: tuple[int, ...] = (1, 2, 3)
