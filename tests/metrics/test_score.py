"""The scorer CLI ``python -m metrics.score``: matching by guid, rejection, and the official numbers.

Reference files are made up here (or the real NER/DP dev files when ../shared/klue exists);
expected numbers come from ``metrics.score_task`` on units built independently of the CLI.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import metrics
from metrics import score as cli
from metrics.labels import RE_RELATIONS
from tests.shared_data import SHARED_KLUE, require_shared

ROOT = Path(__file__).resolve().parents[2]
KLUE = SHARED_KLUE
NER_DEV = KLUE / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
DP_DEV = KLUE / "v1.1" / "klue-dp-v1.1" / "klue-dp-v1.1_dev.tsv"

YNAT_LABELS = ("정치", "경제", "사회", "생활문화", "세계", "IT과학", "스포츠")
NLI_LABELS = ("entailment", "contradiction", "neutral")


# ---------------------------------------------------------------- helpers


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_predictions(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def run(tmp_path: Path, task: str, references: Path, predictions: Path, capsys) -> tuple[int, str, str, dict | None]:
    out = tmp_path / "scores" / f"{task}.json"
    out.unlink(missing_ok=True)
    code = cli.main(
        ["--task", task, "--references", str(references), "--predictions", str(predictions), "--json", str(out)]
    )
    captured = capsys.readouterr()
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return code, captured.out, captured.err, data


def assert_perfect(data: dict, task: str) -> None:
    assert set(data["scores"]) == set(metrics.TASK_METRIC_KEYS[task])
    for value in data["scores"].values():
        assert value == pytest.approx(100.0)


def assert_scores(data: dict, expected: dict) -> None:
    assert data["scores"] == pytest.approx({key: float(value) for key, value in expected.items()})
    assert any(value < 100.0 for value in expected.values())  # the test really is imperfect


# ---------------------------------------------------------------- made-up references


def ynat_references(tmp_path: Path) -> tuple[Path, list[dict]]:
    titles = [
        "국회 예산안 통과",
        "환율 급등",
        "지하철 파업",
        "봄 축제 개막",
        "해외 선거 결과",
        "새 스마트폰 공개",
        "야구 개막전",
        "장관 인사",
        "주가 하락",
        "날씨 한파",
    ]
    labels = [*YNAT_LABELS, "정치", "경제", "사회"]
    rows = [
        {"guid": f"smoke-ynat-{i:05d}", "title": title, "label": label}
        for i, (title, label) in enumerate(zip(titles, labels), 1)
    ]
    return write_json(tmp_path / "smoke-ynat_dev.json", rows), rows


def test_ynat_perfect_and_imperfect(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    perfect = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    code, out, err, data = run(tmp_path, "ynat", references, perfect, capsys)
    assert code == 0, err
    assert_perfect(data, "ynat")
    assert data["count"] == 10 and "macro_f1" in out and "per_class_f1" in out

    predicted = [r["label"] for r in rows]
    predicted[0], predicted[4] = "경제", "스포츠"
    imperfect = write_predictions(
        tmp_path / "q.jsonl",
        [{"guid": r["guid"], "prediction": p} for r, p in zip(reversed(rows), reversed(predicted))],
    )  # order does not matter: matched by guid
    code, _, err, data = run(tmp_path, "ynat", references, imperfect, capsys)
    assert code == 0, err
    gold_ids = [YNAT_LABELS.index(r["label"]) for r in rows]
    pred_ids = [YNAT_LABELS.index(p) for p in predicted]
    assert_scores(data, metrics.score_task("ynat", pred_ids, gold_ids))
    assert data["breakdown"] == json.loads(
        json.dumps(metrics.classification_breakdown(pred_ids, gold_ids, list(YNAT_LABELS)))
    )


def test_nli_perfect_and_imperfect(tmp_path, capsys):
    gold = ["entailment", "neutral", "contradiction", "neutral", "entailment", "contradiction"]
    rows = [
        {
            "guid": f"smoke-nli-{i:05d}",
            "source": "made-up",
            "premise": "비가 온다.",
            "hypothesis": "날이 맑다.",
            "gold_label": label,
        }
        for i, label in enumerate(gold)
    ]
    references = write_json(tmp_path / "smoke-nli_dev.json", rows)
    code, _, err, data = run(
        tmp_path,
        "nli",
        references,
        write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["gold_label"]} for r in rows]),
        capsys,
    )
    assert code == 0, err
    assert_perfect(data, "nli")
    predicted = ["entailment", "entailment", "contradiction", "contradiction", "entailment", "contradiction"]
    code, _, err, data = run(
        tmp_path,
        "nli",
        references,
        write_predictions(
            tmp_path / "q.jsonl", [{"guid": r["guid"], "prediction": p} for r, p in zip(rows, predicted)]
        ),
        capsys,
    )
    assert code == 0, err
    assert_scores(
        data, metrics.score_task("nli", [NLI_LABELS.index(p) for p in predicted], [NLI_LABELS.index(g) for g in gold])
    )
    assert data["scores"]["accuracy"] == pytest.approx(100.0 * 4 / 6)


def test_sts_perfect_and_imperfect(tmp_path, capsys):
    scores = [0.0, 1.4, 2.8, 3.2, 4.6, 5.0]
    rows = [
        {
            "guid": f"smoke-sts-{i:05d}",
            "source": "made-up",
            "sentence1": "가",
            "sentence2": "나",
            "labels": {"label": round(s), "real-label": s, "binary-label": int(s >= 3)},
        }
        for i, s in enumerate(scores)
    ]
    references = write_json(tmp_path / "smoke-sts_dev.json", rows)
    code, _, err, data = run(
        tmp_path,
        "sts",
        references,
        write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": s} for r, s in zip(rows, scores)]),
        capsys,
    )
    assert code == 0, err
    assert_perfect(data, "sts")  # scored on real-label, the unrounded mean
    predicted = [0.5, 1, 3.5, 2.9, 4.0, 4.8]
    code, _, err, data = run(
        tmp_path,
        "sts",
        references,
        write_predictions(
            tmp_path / "q.jsonl", [{"guid": r["guid"], "prediction": p} for r, p in zip(rows, predicted)]
        ),
        capsys,
    )
    assert code == 0, err
    assert_scores(data, metrics.score_task("sts", [float(p) for p in predicted], scores))


# ---------------------------------------------------------------- NER

MARKUP = re.compile(r"<([^<>]+):([A-Z]{2})>")
NER_SENTENCES = [
    "<김하늘:PS>은 <부산:LC>에 산다.",
    "<2024년:DT> <3월:DT>에 왔다.",
    "별일없다.",
    "<한빛전자:OG> 직원 <20명:QT>",
]


def ner_block(guid: str, tagged: str) -> tuple[str, list[str], list[str]]:
    chars, tags, position = [], [], 0
    for match in MARKUP.finditer(tagged):
        chars += list(tagged[position : match.start()])
        tags += ["O"] * (match.start() - position)
        word, kind = match.groups()
        chars += list(word)
        tags += [f"{'B' if i == 0 else 'I'}-{kind}" for i in range(len(word))]
        position = match.end()
    chars += list(tagged[position:])
    tags += ["O"] * (len(tagged) - position)
    text = f"## {guid}\t{tagged}\n" + "".join(f"{c}\t{t}\n" for c, t in zip(chars, tags)) + "\n"
    return text, chars, tags


def ner_references(tmp_path: Path) -> tuple[Path, list[tuple[str, list[str], list[str]]]]:
    text, sentences = "## 주석 : ##\n", []
    for i, tagged in enumerate(NER_SENTENCES, 1):
        block, chars, tags = ner_block(f"smoke-ner-{i:05d}", tagged)
        text += block
        sentences.append((f"smoke-ner-{i:05d}", chars, tags))
    path = tmp_path / "smoke-ner_dev.tsv"
    path.write_text(text, encoding="utf-8")
    return path, sentences


def test_ner_both_lengths_perfect_and_imperfect(tmp_path, capsys):
    references, sentences = ner_references(tmp_path)
    non_space = [[t for c, t in zip(chars, tags) if c != " "] for _, chars, tags in sentences]
    rows = [
        {"guid": guid, "prediction": tags if i % 2 else non_space[i]} for i, (guid, _, tags) in enumerate(sentences)
    ]
    code, out, err, data = run(tmp_path, "ner", references, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 0, err
    assert_perfect(data, "ner")
    # sentence 2 has no space (fits both readings); 0 is given without spaces, 1 and 3 with them
    assert (
        "non-space characters in 1 sentence(s), for all characters (spaces included; the tags at spaces dropped) "
        "in 2; 1 sentence(s) have no space" in out
    )

    wrong = [list(tags) for tags in non_space]
    wrong[0][0] = "B-OG"  # 김하늘 typed OG
    wrong[1][-2] = "I-DT"  # an I- inside O
    code, _, err, data = run(
        tmp_path,
        "ner",
        references,
        write_predictions(
            tmp_path / "q.jsonl", [{"guid": guid, "prediction": tags} for (guid, _, _), tags in zip(sentences, wrong)]
        ),
        capsys,
    )
    assert code == 0, err
    assert_scores(data, metrics.score_task("ner", wrong, non_space))
    assert data["breakdown"]["per_type_support"]["DT"] == 2


def test_ner_real_dev_file_perfect_and_imperfect(tmp_path, capsys):
    require_shared(NER_DEV)
    gold, guids = [], []
    for block in NER_DEV.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        header = [line for line in lines if line.startswith("## ") and line[3:].startswith("klue-")]
        if not header:
            continue
        guids.append(header[-1][3:].split("\t", 1)[0])
        pairs = [line.split("\t") for line in lines if not line.startswith("##")]
        gold.append([tag for char, tag in pairs if char != " "])
    assert len(gold) == 5000
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": g, "prediction": t} for g, t in zip(guids, gold)])
    code, _, err, data = run(tmp_path, "ner", NER_DEV, predictions, capsys)
    assert code == 0, err
    assert_perfect(data, "ner")
    wrong = [["O"] * len(tags) if i % 3 == 0 else tags for i, tags in enumerate(gold)]
    predictions = write_predictions(tmp_path / "q.jsonl", [{"guid": g, "prediction": t} for g, t in zip(guids, wrong)])
    code, _, err, data = run(tmp_path, "ner", NER_DEV, predictions, capsys)
    assert code == 0, err
    assert_scores(data, metrics.score_task("ner", wrong, gold))


# ---------------------------------------------------------------- DP

DP_SENTENCES = [
    [("민지가", "NP_SBJ", 3), ("사과를", "NP_OBJ", 3), ("먹었다.", "VP", 0)],
    [("아주", "AP", 2), ("좋다.", "VP", 0)],
    [("우리", "NP", 2), ("학교는", "NP_SBJ", 4), ("정말", "AP", 4), ("크다.", "VP", 0)],
]


def dp_references(tmp_path: Path) -> Path:
    text = ""
    for i, words in enumerate(DP_SENTENCES, 1):
        text += f"## smoke-dp-{i:05d}\t{' '.join(w for w, _, _ in words)}\n"
        text += "".join(f"{j}\t{w}\t{w}\tNNG\t{h}\t{d}\n" for j, (w, d, h) in enumerate(words, 1)) + "\n"
    path = tmp_path / "smoke-dp_dev.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_dp_perfect_and_imperfect(tmp_path, capsys):
    references = dp_references(tmp_path)
    gold_heads = [[h for _, _, h in words] for words in DP_SENTENCES]
    gold_labels = [[d for _, d, _ in words] for words in DP_SENTENCES]
    rows = [
        {"guid": f"smoke-dp-{i:05d}", "prediction": {"head": h, "deprel": d}}
        for i, (h, d) in enumerate(zip(gold_heads, gold_labels), 1)
    ]
    code, _, err, data = run(tmp_path, "dp", references, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 0, err
    assert_perfect(data, "dp")
    pred_heads = [[3, 1, 0], [2, 0], [2, 4, 4, 0]]
    pred_labels = [["NP_SBJ", "NP_OBJ", "VP"], ["AP", "VP"], ["NP", "NP_OBJ", "AP", "VP"]]
    rows = [
        {"guid": f"smoke-dp-{i:05d}", "prediction": {"head": h, "deprel": d}}
        for i, (h, d) in enumerate(zip(pred_heads, pred_labels), 1)
    ]
    code, _, err, data = run(tmp_path, "dp", references, write_predictions(tmp_path / "q.jsonl", rows), capsys)
    assert code == 0, err
    assert_scores(data, metrics.score_task("dp", (pred_heads, pred_labels), (gold_heads, gold_labels)))
    # beside the official scores, the attachment accuracies the task script also reports (eval_uas_acc)
    words = [(p, g, pl, gl) for ps, gs, pls, gls in zip(pred_heads, gold_heads, pred_labels, gold_labels)
             for p, g, pl, gl in zip(ps, gs, pls, gls)]
    right_heads = sum(p == g for p, g, _, _ in words)
    right_both = sum(p == g and pl == gl for p, g, pl, gl in words)
    assert data["breakdown"]["attachment_accuracy"] == {"uas_acc": pytest.approx(100 * right_heads / len(words)),
                                                        "las_acc": pytest.approx(100 * right_both / len(words))}


def test_dp_real_dev_file_perfect(tmp_path, capsys):
    require_shared(DP_DEV)
    rows = []
    for block in DP_DEV.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        words = [line.split("\t") for line in lines if line[:1].isdigit()]
        if words:
            guid = [line for line in lines if line.startswith("## ")][-1][3:].split("\t", 1)[0]
            rows.append(
                {"guid": guid, "prediction": {"head": [int(w[4]) for w in words], "deprel": [w[5] for w in words]}}
            )
    assert len(rows) == 2000
    code, _, err, data = run(tmp_path, "dp", DP_DEV, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 0, err
    assert_perfect(data, "dp")


# ---------------------------------------------------------------- MRC, RE, WoS

CONTEXT = "한빛시는 2020년에 새 도서관을 열었다. 도서관은 강변에 있다."


def mrc_references(tmp_path: Path) -> Path:
    qas = [
        {
            "guid": "smoke-mrc-00001",
            "question": "언제 열었나?",
            "question_type": 1,
            "is_impossible": False,
            "answers": [{"text": "2020년", "answer_start": 5}, {"text": "2020년에", "answer_start": 5}],
        },
        {
            "guid": "smoke-mrc-00002",
            "question": "어디에 있나?",
            "question_type": 2,
            "is_impossible": False,
            "answers": [{"text": "강변", "answer_start": 29}],
        },
        {
            "guid": "smoke-mrc-00003",
            "question": "관장은 누구?",
            "question_type": 3,
            "is_impossible": True,
            "answers": [],
            "plausible_answers": [{"text": "한빛시", "answer_start": 0}],
        },
    ]
    document = {
        "data": [
            {
                "title": "도서관",
                "news_category": "사회",
                "source": "made-up",
                "paragraphs": [{"context": CONTEXT, "qas": qas}],
            }
        ]
    }
    return write_json(tmp_path / "smoke-mrc_dev.json", document)


def test_mrc_perfect_and_imperfect(tmp_path, capsys):
    references = mrc_references(tmp_path)
    perfect = {"smoke-mrc-00001": "2020년", "smoke-mrc-00002": "강변", "smoke-mrc-00003": ""}
    code, out, err, data = run(
        tmp_path,
        "mrc",
        references,
        write_predictions(tmp_path / "p.jsonl", [{"guid": g, "prediction": p} for g, p in perfect.items()]),
        capsys,
    )
    assert code == 0, err
    assert_perfect(data, "mrc")
    # named as in a training run's eval_breakdown.json
    assert data["breakdown"]["per_question_type"]["unanswerable"]["count"] == 1
    # the plausible answer of an unanswerable question is not gold
    guess = {"smoke-mrc-00001": "2020", "smoke-mrc-00002": "강변", "smoke-mrc-00003": "한빛시"}
    code, _, err, data = run(
        tmp_path,
        "mrc",
        references,
        write_predictions(tmp_path / "q.jsonl", [{"guid": g, "prediction": p} for g, p in guess.items()]),
        capsys,
    )
    assert code == 0, err
    expected = metrics.score_task("mrc", list(guess.values()), [["2020년", "2020년에"], ["강변"], []])
    assert_scores(data, expected)
    _, run_breakdown = metrics.mrc_scores_by_question_type(list(guess.values()), [["2020년", "2020년에"], ["강변"], []],
                                                           [1, 2, 3])
    assert data["breakdown"] == json.loads(json.dumps(run_breakdown))  # what the run's eval_breakdown.json holds


def re_references(tmp_path: Path) -> tuple[Path, list[str]]:
    sentence = "배우 한소라는 2019년 서울에서 태어났다."
    labels = ["per:place_of_birth", "no_relation", "per:date_of_birth", "per:title"]
    rows = [
        {
            "guid": f"smoke-re-{i:05d}",
            "sentence": sentence,
            "source": "made-up",
            "label": label,
            "subject_entity": {"word": "한소라", "start_idx": 3, "end_idx": 5, "type": "PER"},
            "object_entity": {"word": "서울", "start_idx": 14, "end_idx": 15, "type": "LOC"},
        }
        for i, label in enumerate(labels)
    ]
    return write_json(tmp_path / "smoke-re_dev.json", rows), labels


def test_re_with_and_without_probabilities(tmp_path, capsys):
    references, labels = re_references(tmp_path)
    relations = list(metrics.RE_RELATIONS)
    gold = [relations.index(label) for label in labels]
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(30), size=len(labels))
    predicted = [relations[int(i)] for i in probabilities.argmax(axis=1)]
    rows = [
        {"guid": f"smoke-re-{i:05d}", "prediction": p, "probabilities": probabilities[i].tolist()}
        for i, p in enumerate(predicted)
    ]
    code, out, err, data = run(tmp_path, "re", references, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 0, err
    assert data["scores"] == pytest.approx(metrics.score_task("re", probabilities, gold))
    assert "one-hot" not in out

    rows = [{"guid": f"smoke-re-{i:05d}", "prediction": label} for i, label in enumerate(labels)]
    code, out, err, data = run(tmp_path, "re", references, write_predictions(tmp_path / "q.jsonl", rows), capsys)
    assert code == 0, err
    assert "one-hot" in out and any("one-hot" in note for note in data["notes"])
    assert data["scores"]["micro_f1"] == pytest.approx(100.0)
    assert data["scores"] == pytest.approx(metrics.score_task("re", np.eye(30)[gold], gold))


def test_re_probabilities_that_disagree_with_the_label_are_rejected(tmp_path, capsys):
    references, labels = re_references(tmp_path)
    one_hot = np.eye(30)
    rows = [
        {
            "guid": f"smoke-re-{i:05d}",
            "prediction": label,
            "probabilities": one_hot[metrics.RE_RELATIONS.index(label)].tolist(),
        }
        for i, label in enumerate(labels)
    ]
    rows[2]["prediction"] = "per:origin"
    del rows[3]["probabilities"]
    code, _, err, _ = run(tmp_path, "re", references, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 2
    assert "line 3: smoke-re-00002: the label 'per:origin' is not the argmax" in err


def wos_references(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    states = [["식당-지역-서울 강남"], ["식당-지역-서울 강남", "식당-가격대-dontcare"], ["택시-출발지-역"]]
    dialogues = [
        {
            "guid": "smoke-wos-00001",
            "domains": ["식당"],
            "dialogue": [
                {"role": "user", "text": "강남 식당", "state": states[0]},
                {"role": "sys", "text": "네"},
                {"role": "user", "text": "아무 가격", "state": states[1]},
                {"role": "sys", "text": "네"},
            ],
        },
        {
            "guid": "smoke-wos-00002",
            "domains": ["택시"],
            "dialogue": [{"role": "user", "text": "역에서 택시", "state": states[2]}, {"role": "sys", "text": "네"}],
        },
    ]
    return write_json(tmp_path / "smoke-wos_dev.json", dialogues), states


def test_wos_turns_perfect_and_imperfect(tmp_path, capsys):
    references, states = wos_references(tmp_path)
    keys = [("smoke-wos-00001", 0), ("smoke-wos-00001", 1), ("smoke-wos-00002", 0)]
    rows = [{"guid": g, "turn": t, "prediction": s} for (g, t), s in zip(keys, states)]
    code, _, err, data = run(tmp_path, "wos", references, write_predictions(tmp_path / "p.jsonl", rows), capsys)
    assert code == 0, err
    assert_perfect(data, "wos")
    wrong = [states[0], ["식당-지역-서울 강남"], ["택시-출발지-역"]]
    rows = [{"guid": g, "turn": t, "prediction": s} for (g, t), s in zip(keys, wrong)]
    code, _, err, data = run(tmp_path, "wos", references, write_predictions(tmp_path / "q.jsonl", rows), capsys)
    assert code == 0, err
    assert_scores(data, metrics.score_task("wos", wrong, states))
    # a turn index past the dialogue's user turns is an extra prediction
    rows.append({"guid": "smoke-wos-00002", "turn": 1, "prediction": []})
    code, _, err, _ = run(tmp_path, "wos", references, write_predictions(tmp_path / "r.jsonl", rows), capsys)
    assert code == 2 and "smoke-wos-00002 turn 1 (line 4)" in err


# ---------------------------------------------------------------- rejection


def test_missing_extra_duplicate_and_malformed_lines_are_rejected(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    lines = [json.dumps({"guid": r["guid"], "prediction": r["label"]}, ensure_ascii=False) for r in rows]
    lines[1] = "{not json"  # line 2
    lines[2] = json.dumps({"guid": rows[2]["guid"], "prediction": "연예"}, ensure_ascii=False)  # line 3
    lines[3] = json.dumps({"prediction": "정치"}, ensure_ascii=False)  # line 4
    del lines[9]  # smoke-ynat-00010 missing
    lines.append(json.dumps({"guid": "smoke-ynat-99999", "prediction": "정치"}, ensure_ascii=False))  # line 10
    lines.append(lines[0])  # line 11 repeats line 1
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err, data = run(tmp_path, "ynat", references, path, capsys)
    assert code == 2 and data is None and out == ""
    assert "nothing was scored" in err
    assert "3 malformed line(s): line 2: not valid JSON" in err
    assert "line 3: smoke-ynat-00003: expected a label name" in err and "'연예'" in err
    assert "line 4: missing or non-string 'guid'" in err
    # smoke-ynat-00002 and -00004 are malformed (so unmatched) and -00010 has no line at all
    assert "3 reference example(s) without a prediction: smoke-ynat-00002, smoke-ynat-00004, smoke-ynat-00010" in err
    assert "1 prediction(s) for guids not in the references: smoke-ynat-99999 (line 10)" in err
    assert "1 guid(s) predicted more than once: smoke-ynat-00001 (lines 1, 11)" in err


def test_a_line_without_a_prediction_is_malformed(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    lines = [{"guid": r["guid"], "prediction": r["label"]} for r in rows]
    lines[4] = {"guid": rows[4]["guid"], "label": rows[4]["label"]}  # line 5: the gold field's name, not prediction
    code, _, err, data = run(tmp_path, "ynat", references, write_predictions(tmp_path / "p.jsonl", lines), capsys)
    assert code == 2 and data is None
    assert "line 5: guid smoke-ynat-00005: missing 'prediction'" in err


def test_references_that_repeat_a_guid_are_refused(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    write_json(references, [*rows, dict(rows[2], label="경제")])  # the same guid with another gold label
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    code, _, err, data = run(tmp_path, "ynat", references, predictions, capsys)
    assert code == 2 and data is None
    assert "field 'guid': guid 'smoke-ynat-00003' was already used by record 2" in err


def test_a_predictions_file_saved_with_a_byte_order_mark_is_read(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    path = tmp_path / "p.jsonl"
    lines = "".join(json.dumps({"guid": r["guid"], "prediction": r["label"]}, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(lines, encoding="utf-8-sig")  # what Windows editors write
    code, _, err, data = run(tmp_path, "ynat", references, path, capsys)
    assert code == 0, err
    assert_perfect(data, "ynat")


def sts_references(tmp_path: Path) -> Path:
    rows = [
        {
            "guid": f"smoke-sts-{i:05d}",
            "sentence1": "가",
            "sentence2": "나",
            "labels": {"label": 1.0 + i, "real-label": 1.0 + i},
        }
        for i in range(3)
    ]
    return write_json(tmp_path / "smoke-sts_dev.json", rows)


REFERENCE_BUILDERS = {
    "ner": lambda tmp_path: ner_references(tmp_path)[0],
    "dp": dp_references,
    "mrc": mrc_references,
    "sts": sts_references,
}


def gold_prediction(task: str, unit: cli.Unit) -> dict:
    """A well-formed prediction (the gold), so that only the line under test is bad."""
    if task == "dp":
        return {"guid": unit.key, "prediction": {"head": unit.gold[0], "deprel": unit.gold[1]}}
    if task == "mrc":
        return {"guid": unit.key, "prediction": unit.gold[0] if unit.gold else ""}
    return {"guid": unit.key, "prediction": unit.gold}


@pytest.mark.parametrize(
    ("task", "row", "fragment"),
    [
        (
            "ner",
            {"guid": "smoke-ner-00003", "prediction": ["O", "O"]},
            "line 3: smoke-ner-00003: 2 tags; expected 5 (one per non-space character) or 5",
        ),
        ("ner", {"guid": "smoke-ner-00003", "prediction": ["O"] * 4 + ["B-XX"]}, "'B-XX'"),
        (
            "dp",
            {"guid": "smoke-dp-00002", "prediction": {"head": [3, 0], "deprel": ["AP", "VP"]}},
            "line 2: smoke-dp-00002: head 3 is not an integer in 0..2",
        ),
        ("dp", {"guid": "smoke-dp-00002", "prediction": {"head": [2, 0], "deprel": ["AP", "VX"]}}, "deprel 'VX'"),
        ("dp", {"guid": "smoke-dp-00002", "prediction": [2, 0]}, 'expected {"head"'),
        ("mrc", {"guid": "smoke-mrc-00003", "prediction": None}, "line 3: smoke-mrc-00003: expected an answer string"),
        ("sts", {"guid": "smoke-sts-00001", "prediction": "NaN"}, "line 2: smoke-sts-00001: expected a finite number"),
    ],
)
def test_malformed_predictions_per_task(tmp_path, capsys, task, row, fragment):
    references = REFERENCE_BUILDERS[task](tmp_path)
    units = cli.reference_units(task, cli.get_task(task).read_file(references), str(references))
    lines = [row if unit.key == row["guid"] else gold_prediction(task, unit) for unit in units]
    code, _, err, data = run(tmp_path, task, references, write_predictions(tmp_path / "p.jsonl", lines), capsys)
    assert code == 2 and data is None
    assert fragment in err, err
    assert "without a prediction" not in err  # the guid is there; its prediction is what is wrong


def test_unreadable_references_and_unlabelled_references(tmp_path, capsys):
    broken = tmp_path / "smoke-ner_dev.tsv"
    broken.write_text("## smoke-ner-00001\t가\n가 O\n\n", encoding="utf-8")
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": "smoke-ner-00001", "prediction": ["O"]}])
    code, _, err, _ = run(tmp_path, "ner", broken, predictions, capsys)
    assert code == 2 and "cannot read the references" in err and "line 2" in err

    rows = [{"guid": "smoke-ynat-00001", "title": "제목"}]
    code, _, err, _ = run(
        tmp_path,
        "ynat",
        write_json(tmp_path / "test.json", rows),
        write_predictions(tmp_path / "q.jsonl", [{"guid": "smoke-ynat-00001", "prediction": "정치"}]),
        capsys,
    )
    assert code == 2 and "without gold labels" in err and "smoke-ynat-00001" in err

    plain = tmp_path / "ner-test.csv"
    plain.write_text("guid,sentence\nsmoke-ner-00001,서울에 간다\n", encoding="utf-8")
    ner_predictions = write_predictions(tmp_path / "n.jsonl", [{"guid": "smoke-ner-00001", "prediction": ["O"] * 5}])
    code, _, err, _ = run(tmp_path, "ner", plain, ner_predictions, capsys)
    assert code == 2 and "without gold labels" in err and "smoke-ner-00001" in err

    to_parse = tmp_path / "dp-test.tsv"  # INDEX WORD_FORM LEMMA POS: a file to parse
    to_parse.write_text("## smoke-dp-00001\t좋다.\n1\t좋다.\t좋 다 .\tVA+EF+SF\n\n", encoding="utf-8")
    dp_predictions = write_predictions(tmp_path / "d.jsonl", [{"guid": "smoke-dp-00001",
                                                               "prediction": {"head": [0], "deprel": ["VP"]}}])
    code, _, err, _ = run(tmp_path, "dp", to_parse, dp_predictions, capsys)
    assert code == 2 and "without gold labels" in err and "smoke-dp-00001" in err


def test_json_is_written_atomically(tmp_path, capsys):
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    out = tmp_path / "results" / "ynat.json"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    assert (
        cli.main(
            ["--task", "ynat", "--references", str(references), "--predictions", str(predictions), "--json", str(out)]
        )
        == 0
    )
    capsys.readouterr()
    assert json.loads(out.read_text(encoding="utf-8"))["scores"]["macro_f1"] == pytest.approx(100.0)
    assert [p.name for p in out.parent.iterdir()] == ["ynat.json"]  # no temp file left behind


def test_a_reader_that_stops_early_costs_no_traceback_and_the_json_is_still_written(tmp_path):
    # python -m metrics.score ... | head -1: the pipe closes before the report is printed
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    scorer = subprocess.Popen([sys.executable, "-m", "metrics.score", "--task", "ynat", "--predictions",
                               str(predictions), "--references", str(references), "--json", str(tmp_path / "out.json")],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    scorer.stdout.close()
    stderr = scorer.stderr.read()
    assert scorer.wait(timeout=60) == 0 and stderr == ""
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["count"] == 10


def test_cli_subprocess_and_help(tmp_path):
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "metrics.score",
            "--task",
            "ynat",
            "--predictions",
            str(predictions),
            "--references",
            str(references),
            "--json",
            str(tmp_path / "out.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"macro_f1\s+100\.0000", result.stdout)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["count"] == 10

    missing = write_predictions(tmp_path / "q.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows[1:]])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "metrics.score",
            "--task",
            "ynat",
            "--predictions",
            str(missing),
            "--references",
            str(references),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "1 reference example(s) without a prediction: smoke-ynat-00001" in result.stderr

    for argv in (["--task", "foo"], ["--bogus"]):  # argparse's own mistakes: one line, not the usage block
        result = subprocess.run([sys.executable, "-m", "metrics.score", *argv], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("error: ") and "--help lists the flags" in result.stderr

    help_text = cli.build_parser().format_help()
    assert '"turn": 0' in help_text and "NON-space" in help_text


# Ctrl-C at two moments of `python -m metrics.score`: while it imports scipy (seconds), and while it reads the files.
CTRL_C_IN_IMPORTS = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "scipy":
            raise KeyboardInterrupt
sys.meta_path.insert(0, CtrlC())
"""
CTRL_C_WHILE_SCORING = """
import klue_data
def ctrl_c(task):
    raise KeyboardInterrupt
klue_data.get_task = ctrl_c
"""


@pytest.mark.parametrize("interrupt", [CTRL_C_IN_IMPORTS, CTRL_C_WHILE_SCORING], ids=["imports", "scoring"])
def test_ctrl_c_is_one_line_writes_nothing_and_dies_of_sigint(tmp_path, interrupt):
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    argv = ["metrics.score", "--task", "ynat", "--predictions", str(predictions), "--references", str(references),
            "--json", str(tmp_path / "out.json")]  # fmt: skip
    program = interrupt + f"import runpy; sys.argv = {argv!r}; runpy.run_module('metrics.score', run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", "import sys\n" + program], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.stderr == "interrupted; nothing was written\n"
    assert result.returncode == -signal.SIGINT  # a calling shell loop stops too
    assert not (tmp_path / "out.json").exists() and not list(tmp_path.glob("*.tmp*"))


def test_reference_values_the_metric_cannot_score_are_rejected(tmp_path, capsys):
    # a user's DP reference with a relation outside the 38 of KLUE: exit 2, not a traceback
    references = tmp_path / "smoke-dp_dev.tsv"
    references.write_text("## smoke-dp-00001\t좋다.\n1\t좋다.\t좋 다 .\tVA+EF+SF\t0\tROOT\n\n", encoding="utf-8")
    predictions = write_predictions(
        tmp_path / "p.jsonl", [{"guid": "smoke-dp-00001", "prediction": {"head": [0], "deprel": ["VP"]}}]
    )
    code, _, err, data = run(tmp_path, "dp", references, predictions, capsys)
    assert code == 2 and data is None
    assert "smoke-dp_dev.tsv: cannot be scored" in err and "ROOT" in err


# --- RE probabilities and the --json file ------------------------------------------------------


def re_references_labelled(tmp_path, labels):
    records = [
        {"guid": f"g{i}", "sentence": "가나다 라마", "label": label, "source": "wikitree",
         "subject_entity": {"word": "가나다", "start_idx": 0, "end_idx": 2, "type": "PER"},
         "object_entity": {"word": "라마", "start_idx": 4, "end_idx": 5, "type": "ORG"}}
        for i, label in enumerate(labels)
    ]
    path = tmp_path / "re.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_re_micro_f1_scores_the_given_label_when_probabilities_tie(tmp_path):
    labels = ["per:title", "org:members", "per:origin"]
    ref = re_references_labelled(tmp_path, labels)
    lines = []
    for i, label in enumerate(labels):
        p = [0.0] * 30
        p[0] = p[RE_RELATIONS.index(label)] = 0.5  # tied with no_relation; the label is an argmax
        lines.append(json.dumps({"guid": f"g{i}", "prediction": label, "probabilities": p}))
    pred = tmp_path / "p.jsonl"
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.score("re", str(ref), str(pred)).scores["micro_f1"] == 100.0


def test_re_logits_given_as_probabilities_are_refused(tmp_path):
    ref = re_references_labelled(tmp_path, ["per:title"])
    logits = [-1.0] * 30
    logits[RE_RELATIONS.index("per:title")] = 2.0
    pred = tmp_path / "p.jsonl"
    pred.write_text(json.dumps({"guid": "g0", "prediction": "per:title", "probabilities": logits}) + "\n")
    with pytest.raises(cli.RejectedInput, match="probabilities"):
        cli.score("re", str(ref), str(pred))


def test_the_suites_own_re_predictions_file_is_scored(tmp_path):
    from trainers.run_re import ReTask

    ref = re_references_labelled(tmp_path, ["per:title", "org:members"])
    lines = []
    for i, label in enumerate(["per:title", "org:members"]):
        p = np.full(30, 0.01)
        p[RE_RELATIONS.index(label)] = 0.71
        lines.append(json.dumps(ReTask().prediction_record({"guid": f"g{i}"}, p)))
    pred = tmp_path / "p.jsonl"
    pred.write_text("\n".join(lines) + "\n")
    assert cli.score("re", str(ref), str(pred)).scores["micro_f1"] == 100.0


def test_score_json_is_strict_json_and_a_folder_path_is_one_line(tmp_path, capsys):
    ref = re_references_labelled(tmp_path, ["per:title", "org:members"])
    pred = tmp_path / "p.jsonl"
    pred.write_text('{"guid": "g0", "prediction": "per:title"}\n{"guid": "g1", "prediction": "org:members"}\n')
    assert cli.main(["--task", "re", "--references", str(ref), "--predictions", str(pred), "--json", str(tmp_path)],
                    out=lambda _: None) == 2
    assert "--json" in capsys.readouterr().err
    # the report must not replace an input file
    for flag, path in (("--predictions", pred), ("--references", ref)):
        assert cli.main(["--task", "re", "--references", str(ref), "--predictions", str(pred), "--json",
                         str(path.parent / "." / path.name)], out=lambda _: None) == 2  # fmt: skip
        assert f"is the {flag} file; the report would replace it" in capsys.readouterr().err
    assert pred.read_text().startswith('{"guid": "g0"')
    # a path under a file: said before anything is scored
    assert cli.main(["--task", "re", "--references", str(ref), "--predictions", str(pred), "--json",
                     str(pred / "out.json")], out=lambda _: pytest.fail("scored")) == 2  # fmt: skip
    assert "p.jsonl is a file, not a folder" in capsys.readouterr().err
    report_dict = {"scores": {"pearsonr": math.nan}}
    cli.write_json_atomically(tmp_path / "s.json", report_dict)
    json.loads((tmp_path / "s.json").read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON token {c}"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)], ids=["umask-022", "umask-027"])
def test_score_json_gets_the_usual_permissions_of_the_umask(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        cli.write_json_atomically(tmp_path / "s.json", {"scores": {"accuracy": 1.0}})
    finally:
        os.umask(previous)
    # like the trainers' result files (trainers/outputs.py), not tempfile's owner-only 0600
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == mode
    assert [path.name for path in tmp_path.iterdir()] == ["s.json"]  # no temporary file left


def test_python_m_metrics_lists_the_tasks_and_refuses_arguments():
    """``python -m metrics`` takes no arguments: a scoring command missing ``.score`` must not exit 0 with the
    task list, which a script would take for a result."""

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "metrics", *argv], cwd=ROOT, capture_output=True, text=True)

    listed = run()
    assert listed.returncode == 0 and listed.stdout.split() == list(cli.TASKS) and not listed.stderr
    for flag in ("--help", "-h"):
        helped = run(flag)
        assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m metrics\n")
        assert "python -m metrics.score" in helped.stdout
    wrong = run("--task", "nli", "--predictions", "x")
    assert wrong.returncode == 2 and not wrong.stdout and wrong.stderr.count("\n") == 1
    assert wrong.stderr.startswith("error: python -m metrics takes no arguments (got --task nli --predictions x)")
    assert "python -m metrics.score --task TASK" in wrong.stderr


@pytest.mark.parametrize("missing", ["--task", "--predictions", "--references"])
def test_every_required_flag_missing_is_a_usage_error(tmp_path, capsys, missing):
    given = {"--task": "ynat", "--predictions": str(tmp_path / "p.jsonl"), "--references": str(tmp_path / "r.json")}
    argv = [part for flag, value in given.items() if flag != missing for part in (flag, value)]
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1 and missing in err


def test_mrc_report_prints_the_per_question_type_scores_readably(tmp_path, capsys):
    # nested scores print as lines of their own, not as a Python dict
    references = mrc_references(tmp_path)
    perfect = {"smoke-mrc-00001": "2020년", "smoke-mrc-00002": "강변", "smoke-mrc-00003": ""}
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": g, "prediction": p} for g, p in perfect.items()])
    code, out, err, _ = run(tmp_path, "mrc", references, predictions, capsys)
    assert code == 0, err
    assert "per_question_type:" in out
    assert "exact_match 100.0000, rouge_w 100.0000, count 1" in out and "{" not in out


def test_ynat_confusion_matrix_columns_line_up_with_korean_labels(tmp_path, capsys):
    # a Hangul character takes two terminal columns
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl", [{"guid": r["guid"], "prediction": r["label"]} for r in rows])
    code, out, err, _ = run(tmp_path, "ynat", references, predictions, capsys)
    assert code == 0, err
    lines = out.splitlines()
    at = lines.index("confusion_matrix:")
    header, first_row = lines[at + 1], lines[at + 2]
    # the first column is "gold \ predicted" (16 columns) padded on the right; 7 label columns of width 8 (IT과학)
    assert header.startswith("  gold \\ predicted  ")
    assert first_row.startswith("  정치" + " " * 12 + "  ")  # 정치 takes 4 terminal columns, padded to 16
    display = cli._width  # the terminal width of each line: every row as wide as the header
    assert {display(line) for line in lines[at + 1 : at + 9]} == {display(header)}
    assert display(header) == 2 + 16 + 2 + 7 * 8 + 6


def test_exactly_five_offenders_are_named_without_and_0_more(tmp_path, capsys):
    # exactly as many as are shown: no "... and 0 more"
    references, rows = ynat_references(tmp_path)
    predictions = write_predictions(tmp_path / "p.jsonl",
                                    [{"guid": r["guid"], "prediction": r["label"]} for r in rows[:5]])
    code, _, err, _ = run(tmp_path, "ynat", references, predictions, capsys)
    assert code == 2
    assert ("5 reference example(s) without a prediction: smoke-ynat-00006, smoke-ynat-00007, smoke-ynat-00008, "
            "smoke-ynat-00009, smoke-ynat-00010\n" in err + "\n") and "more" not in err
