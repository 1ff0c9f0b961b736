"""Label names and constants of the KLUE tasks: the one place they are written down.

Names are the interface between files, models and metrics; ids are only ever an index into
one of these tuples, in the official (KLUE-baseline) order: ids in predictions files, in model
heads and in the official metric code are positions in these tuples. The Hub's ``klue``
dataset orders YNAT, NLI and NER labels differently from the official files, which is why
both orders are written down here.

This module imports nothing, so the loaders (``klue_data``) and the metrics (``metrics``,
through ``metrics.labels``) can both read it without pulling in each other.
"""

YNAT_LABELS: tuple[str, ...] = ("정치", "경제", "사회", "생활문화", "세계", "IT과학", "스포츠")
YNAT_HUB_LABELS: tuple[str, ...] = ("IT과학", "경제", "사회", "생활문화", "세계", "스포츠", "정치")

NLI_LABELS: tuple[str, ...] = ("entailment", "contradiction", "neutral")
NLI_HUB_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")

# KLUE-NER character tags (``KlueNERProcessor.get_labels``). ``O`` is last, so an id < 12
# is an entity tag whose type is ``id // 2`` and whose prefix is B for even ids, I for odd.
NER_TAGS: tuple[str, ...] = (
    "B-PS", "I-PS", "B-LC", "I-LC", "B-OG", "I-OG", "B-DT", "I-DT", "B-TI", "I-TI", "B-QT", "I-QT", "O",
)  # fmt: skip
NER_HUB_TAGS: tuple[str, ...] = (
    "B-DT", "I-DT", "B-LC", "I-LC", "B-OG", "I-OG", "B-PS", "I-PS", "B-QT", "I-QT", "B-TI", "I-TI", "O",
)  # fmt: skip
NER_ENTITY_TYPES: tuple[str, ...] = ("PS", "LC", "OG", "DT", "TI", "QT")

# KLUE-STS: gold similarity scores lie in [STS_MIN_SCORE, STS_MAX_SCORE]; a pair counts as
# "similar" from STS_BINARY_THRESHOLD, for both the prediction and the gold (``klue_sts_f1``
# binarises with ``>= 3``).
STS_MIN_SCORE = 0.0
STS_MAX_SCORE = 5.0
STS_BINARY_THRESHOLD = 3.0

# KLUE-RE relations, in the order of the official relation_list.json (the baseline's label ids;
# 0 = no_relation). The Hub's ``klue/re`` ClassLabel uses this same order, so one tuple serves both.
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
RE_HUB_RELATIONS: tuple[str, ...] = RE_RELATIONS
RE_NO_RELATION_ID = 0

# The 38 KLUE-DP dependency relations (``get_dep_labels``). The official LAS keeps the first
# 15 as classes of their own and folds every later one into a single "others" class.
# (The DP reader reads relations as they come; the metric rejects any outside this list.)
DP_DEPREL_LABELS: tuple[str, ...] = (
    "NP", "NP_AJT", "VP", "NP_SBJ", "VP_MOD", "NP_OBJ", "AP", "NP_CNJ", "NP_MOD", "VNP",
    "DP", "VP_AJT", "VNP_MOD", "NP_CMP", "VP_SBJ", "VP_CMP", "VP_OBJ", "VNP_CMP", "AP_MOD",
    "X_AJT", "VP_CNJ", "VNP_AJT", "IP", "X", "X_SBJ", "VNP_OBJ", "VNP_SBJ", "X_OBJ", "AP_AJT",
    "L", "X_MOD", "X_CNJ", "VNP_CNJ", "X_CMP", "AP_CMP", "AP_SBJ", "R", "NP_SVJ",
)  # fmt: skip
DP_DEPREL_CLASSES: tuple[str, ...] = DP_DEPREL_LABELS[:15]

# KLUE-MRC question types: 1 paraphrase, 2 multi-sentence reasoning, 3 unanswerable.
MRC_QUESTION_TYPES: tuple[int, ...] = (1, 2, 3)
# Their names in results keys (eval_exact_match_paraphrase, ...) and breakdown files.
MRC_QUESTION_TYPE_NAMES: dict[int, str] = {1: "paraphrase", 2: "multi_sentence", 3: "unanswerable"}

# WoS dialogue turns: who speaks. Only user turns carry a ``state``.
WOS_USER_ROLE = "user"
WOS_SYSTEM_ROLE = "sys"
