"""klue_data.hub_rows and sources.load_hub: Hub rows as records; rows that are not the task's Hub schema
end in one KlueDataError line naming the dataset, split, row and field, never a traceback."""

from __future__ import annotations

import datasets
import pytest

from klue_data import KlueDataError, ner, nli, sources, sts, ynat
from klue_data.labels import NER_HUB_TAGS, NLI_HUB_LABELS, YNAT_HUB_LABELS

NLI_FEATURES = datasets.Features({"guid": datasets.Value("string"), "source": datasets.Value("string"),
                                  "premise": datasets.Value("string"), "hypothesis": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=list(NLI_HUB_LABELS))})
NER_FEATURES = datasets.Features({"sentence": datasets.Value("string"),
                                  "tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(NER_HUB_TAGS)))})
NLI_ROW = {"guid": "smoke-nli-00001", "source": "NSMC", "premise": "전제", "hypothesis": "가설", "label": 1}


def load(monkeypatch, task, splits):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", lambda *args, **kwargs: datasets.DatasetDict(splits))
    return sources.load_hub(task, "klue/klue")


def test_another_tasks_config_is_one_line_naming_the_columns(monkeypatch):  # run_ner.py --dataset_config_name nli
    with pytest.raises(KlueDataError, match=r"validation split.*record 0.*not the ner Hub schema.*premise"):
        load(monkeypatch, ner, {"validation": datasets.Dataset.from_list([NLI_ROW], features=NLI_FEATURES)})


def test_plain_string_labels_are_read_as_names_and_checked(monkeypatch):
    rows = [{"guid": "g1", "title": "제목", "label": "스포츠"}]
    assert load(monkeypatch, ynat, {"validation": datasets.Dataset.from_list(rows)})["validation"][0]["label"] == "스포츠"
    rows[0]["label"] = "연예"
    expected = r"validation split\), record 0 \(guid g1\), field 'label': expected one of 정치.*got '연예'"
    with pytest.raises(KlueDataError, match=expected):
        load(monkeypatch, ynat, {"validation": datasets.Dataset.from_list(rows)})


@pytest.mark.parametrize("task, features, row", [
    (nli, NLI_FEATURES, NLI_ROW),
    (ynat, datasets.Features({"guid": datasets.Value("string"), "title": datasets.Value("string"),
                              "label": datasets.ClassLabel(names=list(YNAT_HUB_LABELS))}),
     {"guid": "g", "title": "제목", "label": 0}),
])
def test_an_unlabelled_split_with_minus_one_reads_as_no_label(monkeypatch, task, features, row):
    test = datasets.Dataset.from_list([{**row, "label": -1}], features=features)
    assert load(monkeypatch, task, {"test": test})["test"][0]["label"] is None


@pytest.mark.parametrize("labels", [None, {"label": None, "real-label": None, "binary-label": None}])
def test_an_sts_split_without_scores_reads_as_unlabelled(monkeypatch, labels):  # a private copy's test split
    features = datasets.Features({
        "guid": datasets.Value("string"), "source": datasets.Value("string"), "sentence1": datasets.Value("string"),
        "sentence2": datasets.Value("string"), "labels": {"label": datasets.Value("float64"),
                                                          "real-label": datasets.Value("float64"),
                                                          "binary-label": datasets.ClassLabel(names=["negative",
                                                                                                     "positive"])}})
    row = {"guid": "t1", "source": "x", "sentence1": "가", "sentence2": "나", "labels": labels}
    test = datasets.Dataset.from_list([row, {**row, "guid": "t2"}], features=features)
    assert load(monkeypatch, sts, {"test": test})["test"]["labels"] == [None, None]


def test_string_ner_tags_are_checked(monkeypatch):
    row = {"sentence": "<민지:PS>", "tokens": ["민", "지"], "ner_tags": ["B-PS", "I-XYZ"]}
    with pytest.raises(KlueDataError, match=r"field 'ner_tags\[1\]': expected one of B-PS.*got 'I-XYZ'"):
        load(monkeypatch, ner, {"validation": datasets.Dataset.from_list([row])})
    ids = datasets.Dataset.from_list([{**row, "ner_tags": [6, 7]}], features=NER_FEATURES)  # the Hub's order
    assert load(monkeypatch, ner, {"validation": ids})["validation"][0]["ner_tags"] == ["B-PS", "I-PS"]


def test_an_ner_character_without_a_tag_is_one_line(monkeypatch):
    row = {"sentence": "민지", "tokens": ["민", "지"], "ner_tags": [12, -1]}
    with pytest.raises(KlueDataError, match=r"field 'ner_tags\[1\]': no tag \(-1\)"):
        load(monkeypatch, ner, {"validation": datasets.Dataset.from_list([row], features=NER_FEATURES)})


def test_only_the_splits_asked_for_are_converted_and_checked(monkeypatch):
    """An evaluation does not stop at a bad training row, as it does not with files."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    good = datasets.Dataset.from_list([{"guid": "g1", "title": "제목", "label": "스포츠"}])
    bad = datasets.Dataset.from_list([{"guid": "g2", "title": "제목", "label": "연예"}])
    monkeypatch.setattr(datasets, "load_dataset",
                        lambda *args, **kwargs: datasets.DatasetDict({"train": bad, "validation": good}))
    loaded = sources.load_hub(ynat, "klue/klue", splits=["validation"])
    assert list(loaded) == ["validation"] and loaded["validation"][0]["guid"] == "g1"
    with pytest.raises(KlueDataError, match=r"train split\), record 0 \(guid g2\)"):
        sources.load_hub(ynat, "klue/klue")


@pytest.mark.parametrize("raised", [KeyError("title"), IndexError("list index out of range"),
                                    TypeError("'NoneType' object is not subscriptable"),
                                    AttributeError("'int' object has no attribute 'items'"),
                                    ValueError("too many values to unpack")])
def test_a_row_the_conversion_cannot_read_is_one_line_whatever_it_trips_on(raised):
    def from_hub_example(example, features, guid):
        raise raised

    task = type("Task", (), {"NAME": "ynat", "from_hub_example": staticmethod(from_hub_example)})
    features = datasets.Features({"guid": datasets.Value("string"), "headline": datasets.Value("string")})
    with pytest.raises(KlueDataError) as caught:
        sources.hub_record(task, {"guid": "g7", "headline": "x"}, features, "ynat_train_00003", "klue/klue", 3)
    message = str(caught.value)
    assert f"not the ynat Hub schema ({type(raised).__name__}: " in message and "its columns: guid, headline" in message
    assert caught.value.record == 3 and caught.value.guid == "g7"
