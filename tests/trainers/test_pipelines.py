"""Every trained output dir works in ``transformers.pipeline`` with its label names.

The RoBERTa fixture is the case that broke: a BERT tokenizer that emits token type ids on a model
with a single token type (as ``klue/roberta-*`` ship), where a sentence pair indexed past the
token type table. The saved tokenizer must emit only what the model takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import pipeline

from tests.synthetic import ner_records, nli_records, sts_records, write_json, ynat_records
from tests.synthetic_mrc import mrc_document
from trainers.run_mrc import MrcTask
from trainers.run_ner import NerTask
from trainers.run_nli import NliTask
from trainers.run_sts import StsTask
from trainers.run_ynat import YnatTask
from trainers.runner import main

QUICK = ["--do_train", "--max_steps", "2", "--per_device_train_batch_size", "4", "--save_strategy", "no",
         "--report_to", "none", "--use_cpu", "--disable_tqdm", "true"]


def train(task, model: Path, out: Path, train_file: Path, *extra: str) -> Path:
    argv = ["--model_name_or_path", str(model), "--output_dir", str(out), "--train_file", str(train_file)]
    assert main(task, [*argv, *QUICK, *extra]) == 0
    return out


@pytest.fixture(params=["tiny_bert", "tiny_roberta"])
def model(request) -> Path:
    return request.getfixturevalue(request.param)


def test_sentence_tasks_in_text_classification(model, tmp_path):
    ynat = train(YnatTask(), model, tmp_path / "ynat", write_json(tmp_path / "ynat.json", ynat_records(8)))
    assert pipeline("text-classification", model=str(ynat))("서울 축구 선수 발표")[0]["label"] in YnatTask().label_names

    nli = train(NliTask(), model, tmp_path / "nli", write_json(tmp_path / "nli.json", nli_records(8)))
    classify = pipeline("text-classification", model=str(nli))
    predicted = classify({"text": "서울에서 축구 경기가 열렸다.", "text_pair": "부산에서 야구 경기가 열렸다."})
    assert predicted["label"] in NliTask().label_names
    saved = json.loads((nli / "tokenizer_config.json").read_text())
    roberta_style = json.loads((nli / "config.json").read_text()).get("type_vocab_size", 2) < 2
    assert ("token_type_ids" not in saved.get("model_input_names", ["token_type_ids"])) == roberta_style

    sts = train(StsTask(), model, tmp_path / "sts", write_json(tmp_path / "sts.json", sts_records(8)))
    scored = pipeline("text-classification", model=str(sts), function_to_apply="none")(
        {"text": "서울 주가 발표", "text_pair": "서울 주가 소식"}
    )
    assert scored["label"] == "score" and isinstance(scored["score"], float)


def test_ner_in_token_classification(model, tmp_path):
    ner = train(NerTask(), model, tmp_path / "ner", write_json(tmp_path / "ner.json", ner_records(8)),
                "--learning_rate", "1e-2")
    entities = pipeline("token-classification", model=str(ner), aggregation_strategy="simple")("김철수는 서울에 갔다.")
    assert all(entity["entity_group"] in {"PS", "LC", "OG", "DT", "TI", "QT"} for entity in entities)


def test_mrc_output_dir_answers_a_question(model, tmp_path):
    """transformers 5 has no question-answering pipeline: the output dir loads with the Auto classes and
    its tokenizer encodes a (question, context) pair the model takes."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    mrc = train(MrcTask(), model, tmp_path / "mrc", write_json(tmp_path / "mrc.json", mrc_document(2, seed=1)),
                "--max_seq_length", "128", "--doc_stride", "32")
    tokenizer = AutoTokenizer.from_pretrained(mrc)
    reader = AutoModelForQuestionAnswering.from_pretrained(mrc).eval()
    encoded = tokenizer("누가 서울에 갔나?", "김철수는 어제 서울에 갔다.", return_tensors="pt")
    with torch.no_grad():
        outputs = reader(**encoded)
    assert outputs.start_logits.shape == encoded["input_ids"].shape
