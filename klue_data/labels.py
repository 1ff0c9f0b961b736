"""Label names of the KLUE tasks, in the official (KLUE-baseline) order and in the Hub's order.

Names are the interface between files, models and metrics; ids are only ever an index into
one of these tuples. The Hub's ``klue`` dataset orders YNAT, NLI and NER labels differently
from the official files, which is why both orders are written down here.
"""

YNAT_LABELS = ("정치", "경제", "사회", "생활문화", "세계", "IT과학", "스포츠")
YNAT_HUB_LABELS = ("IT과학", "경제", "사회", "생활문화", "세계", "스포츠", "정치")

NLI_LABELS = ("entailment", "contradiction", "neutral")
NLI_HUB_LABELS = ("entailment", "neutral", "contradiction")

NER_TAGS = ("B-PS", "I-PS", "B-LC", "I-LC", "B-OG", "I-OG", "B-DT", "I-DT", "B-TI", "I-TI", "B-QT", "I-QT", "O")
NER_HUB_TAGS = ("B-DT", "I-DT", "B-LC", "I-LC", "B-OG", "I-OG", "B-PS", "I-PS", "B-QT", "I-QT", "B-TI", "I-TI", "O")
NER_ENTITY_TYPES = ("PS", "LC", "OG", "DT", "TI", "QT")

STS_MIN_SCORE = 0.0
STS_MAX_SCORE = 5.0
STS_BINARY_THRESHOLD = 3.0

# KLUE-RE relations, in the order of the official relation_list.json (the baseline's label ids).
# The Hub's ``klue/re`` ClassLabel uses this same order, so one tuple serves both.
RE_RELATIONS = (
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
RE_HUB_RELATIONS = RE_RELATIONS

# WoS dialogue turns: who speaks. Only user turns carry a ``state``.
WOS_USER_ROLE = "user"
WOS_SYSTEM_ROLE = "sys"
