"""What a run loads: which encoders are given token type ids."""

from __future__ import annotations

import json
import re

import pytest
import transformers

from models.dp_biaffine import DpBiaffineConfig
from tests.encoder_families import save_tiny_family
from tests.synthetic import corpus, nli_records, write_json
from tests.weight_changes import changed_share
from trainers.loading import has_token_types
from trainers.run_nli import NliTask
from trainers.runner import main


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (transformers.BertConfig(), True),
        (transformers.AlbertConfig(), True),
        (transformers.ElectraConfig(), True),
        (transformers.RobertaConfig(type_vocab_size=1), False),  # klue/roberta-*: one type
        (transformers.DebertaV2Config(type_vocab_size=0), False),
        (transformers.DistilBertConfig(), False),  # no type_vocab_size, and no token_type_ids input
        (transformers.ModernBertConfig(), False),
        (DpBiaffineConfig(), True),  # a parser this suite saved: its forward passes them to its encoder
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, bool) else str(value),
)
def test_token_type_ids_go_only_to_models_that_read_them(config, expected):
    assert has_token_types(config) is expected


def test_distilbert_with_a_bert_tokenizer_is_given_no_token_types_and_saved_so(tmp_path):
    """DistilKoBERT-style checkpoints ship a BERT tokenizer: its token_type_ids went into a forward
    whose **kwargs dropped them, and the saved tokenizer kept giving them."""
    model = save_tiny_family(tmp_path / "distilbert", "distilbert")
    tokenizer_config = model / "tokenizer_config.json"
    saved = json.loads(tokenizer_config.read_text(encoding="utf-8"))
    del saved["model_input_names"]  # BertTokenizerFast's own: input_ids, token_type_ids, attention_mask
    tokenizer_config.write_text(json.dumps(saved), encoding="utf-8")
    assert "token_type_ids" in transformers.AutoTokenizer.from_pretrained(model)("가", "나")
    train = write_json(tmp_path / "train.json", nli_records(8, seed=1))
    out = tmp_path / "out"

    assert main(NliTask(), ["--model_name_or_path", str(model), "--output_dir", str(out), "--train_file", str(train),
                            "--do_train", "--max_steps", "1", "--report_to", "none", "--use_cpu"]) == 0

    assert "token_type_ids" not in transformers.AutoTokenizer.from_pretrained(out)("가", "나")


def test_the_token_flag_reaches_the_hub_dataset_too(tiny_bert, tmp_path, monkeypatch):
    """``--token`` is for private models and datasets: a private copy of klue/klue needs it as much."""
    import datasets

    from klue_data import sources
    from trainers.run_ynat import YnatTask

    features = datasets.Features({"title": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["IT과학", "경제", "사회", "생활문화", "세계",
                                                                      "스포츠", "정치"])})
    hub = datasets.DatasetDict({"validation": datasets.Dataset.from_dict({"title": ["제목"], "label": [6]},
                                                                         features=features)})
    calls = []
    monkeypatch.setattr(sources.datasets, "load_dataset", lambda *a, **k: calls.append(k) or hub)
    monkeypatch.setattr(sources, "prefer_offline_when_hub_unreachable", lambda: False)  # no network probe
    status = main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"),
                               "--do_eval", "--report_to", "none", "--use_cpu", "--token", "hf_private"])
    assert status == 0 and calls[0]["token"] == "hf_private"


def test_an_evaluation_from_the_hub_checks_only_the_splits_it_uses(tiny_bert, tmp_path, monkeypatch, capsys):
    """Hub rows get the file readers' checks; as with files, a bad training row must not stop an evaluation."""
    import datasets

    from klue_data import sources
    from trainers.run_ynat import YnatTask

    features = datasets.Features({"title": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["IT과학", "경제", "사회", "생활문화", "세계",
                                                                      "스포츠", "정치"])})
    good = datasets.Dataset.from_dict({"guid": ["a", "b"], "title": ["제목", "다른 제목"], "label": [6, 1]},
                                      features=datasets.Features({"guid": datasets.Value("string"), **features}))
    repeated = datasets.Dataset.from_dict({"guid": ["a", "a"], "title": ["제목", "제목"], "label": [6, 6]},
                                          features=good.features)  # a guid used twice: refused where checked
    hub = datasets.DatasetDict({"train": repeated, "validation": good})
    monkeypatch.setattr(sources.datasets, "load_dataset", lambda *a, **k: hub)
    monkeypatch.setattr(sources, "prefer_offline_when_hub_unreachable", lambda: False)  # no network probe
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--report_to", "none",
            "--use_cpu"]
    assert main(YnatTask(), [*argv, "--do_eval"]) == 0
    assert main(YnatTask(), [*argv, "--do_train", "--overwrite_output_dir"]) == 2
    assert "(config 'ynat', train split), record 1 (guid a), field 'guid'" in capsys.readouterr().err


@pytest.mark.parametrize("model_fixture", ["tiny_bert", "tiny_roberta"])
def test_special_token_text_in_the_data_is_read_as_text(model_fixture, request, tmp_path):
    """A premise that reads "[SEP]" or "</s>" (web text) gets no extra separator: the loaded tokenizer
    reads special-token text as characters, and saves no such setting with the model."""
    from args import ModelArguments
    from trainers.loading import load_tokenizer

    tokenizer = load_tokenizer(ModelArguments(model_name_or_path=str(request.getfixturevalue(model_fixture))))
    task = NliTask()
    features = task.preprocess({"premise": ["가방 [SEP] </s> 샀다"], "hypothesis": ["샀다"], "label": ["entailment"]},
                               tokenizer, 64, False)
    specials = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id}  # unknown characters are text
    plain = task.preprocess({"premise": ["가방 샀다"], "hypothesis": ["샀다"], "label": ["entailment"]},
                            tokenizer, 64, False)
    assert [i for i in features["input_ids"][0] if i in specials] == [i for i in plain["input_ids"][0] if i in specials]
    tokenizer.save_pretrained(tmp_path)
    assert "split_special_tokens" not in json.loads((tmp_path / "tokenizer_config.json").read_text())


def test_a_slow_tokenizer_keeps_reading_the_models_added_words(tmp_path):
    """A slow (Python) tokenizer told to split special tokens would read every added word as [UNK]
    (transformers 5 skips its added-token trie): the setting is for fast tokenizers only."""
    from args import ModelArguments
    from tests.synthetic import corpus
    from tests.tiny_tokenizers import wordpiece_tokenizer
    from trainers.loading import load_tokenizer

    vocab = sorted(wordpiece_tokenizer(corpus(), vocab_size=400).get_vocab().items(), key=lambda item: item[1])
    (tmp_path / "vocab.txt").write_text("".join(f"{token}\n" for token, _ in vocab), encoding="utf-8")
    slow = transformers.BertTokenizerLegacy(str(tmp_path / "vocab.txt"), do_lower_case=False)
    slow.add_tokens(["코로나19"])
    slow.save_pretrained(tmp_path)
    tokenizer = load_tokenizer(ModelArguments(model_name_or_path=str(tmp_path)))
    assert not tokenizer.is_fast and tokenizer.tokenize("코로나19 확진")[0] == "코로나19"


def test_a_checkpoint_saved_in_bf16_trains_fp32_weights(tiny_bert, tmp_path):
    """transformers 5 loads a model in its saved precision: in bf16 weights, Adam's small steps round away
    (10% of the weights moved in the audit's run, against all of them in fp32)."""
    import torch

    bf16 = tmp_path / "bf16"
    transformers.AutoModel.from_pretrained(tiny_bert).to(torch.bfloat16).save_pretrained(bf16)
    transformers.AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(bf16)
    train = write_json(tmp_path / "train.json", nli_records(16, seed=1))
    out = tmp_path / "out"

    assert main(NliTask(), ["--model_name_or_path", str(bf16), "--output_dir", str(out), "--train_file", str(train),
                            "--do_train", "--max_steps", "3", "--learning_rate", "1e-5", "--report_to", "none",
                            "--use_cpu", "--save_strategy", "no"]) == 0

    trained = transformers.AutoModelForSequenceClassification.from_pretrained(out)
    assert trained.dtype == torch.float32
    start = transformers.AutoModel.from_pretrained(bf16, dtype=torch.float32).state_dict()
    assert changed_share(start, trained.bert.state_dict(), prefix="encoder.") > 0.9


@pytest.mark.parametrize("task", ["nli", "mcqa"])
def test_an_xlnet_head_reading_the_last_position_is_refused_in_one_line(task, tmp_path, capsys):
    """XLNet's sequence summary reads the last position, a pad under right padding: its predictions changed with
    the eval batch (19 of 33 MCQA answers in the audit)."""
    from tests.synthetic_mcqa import mcqa_records, write_jsonl
    from tests.tiny_tokenizers import wordpiece_tokenizer
    from trainers.run_mcqa import McqaTask

    tokenizer = wordpiece_tokenizer(corpus(), vocab_size=300, model_max_length=128)
    model = tmp_path / "xlnet"
    transformers.AutoModel.from_config(transformers.XLNetConfig(
        vocab_size=len(tokenizer), d_model=32, n_layer=1, n_head=2, d_inner=64, pad_token_id=tokenizer.pad_token_id,
    )).save_pretrained(model)
    tokenizer.save_pretrained(model)
    if task == "nli":
        dev, runner = write_json(tmp_path / "dev.json", nli_records(4, seed=1)), NliTask()
    else:
        dev, runner = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(4, seed=1)), McqaTask()
    assert main(runner, ["--model_name_or_path", str(model), "--output_dir", str(tmp_path / "out"),
                         "--validation_file", str(dev), "--do_eval", "--report_to", "none", "--use_cpu"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "reads the sequence's last position (summary_type 'last')" in err[0]


def test_a_model_without_a_token_table_trains_canine(tmp_path):
    """CANINE hashes code points (no token table: get_input_embeddings raises): it trains like any encoder."""
    model = tmp_path / "canine"
    transformers.CanineModel(transformers.CanineConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, num_hash_functions=2,
        num_hash_buckets=64, max_position_embeddings=256)).save_pretrained(model)
    transformers.CanineTokenizer(model_max_length=128).save_pretrained(model)
    train = write_json(tmp_path / "train.json", nli_records(8, seed=1))
    assert main(NliTask(), ["--model_name_or_path", str(model), "--output_dir", str(tmp_path / "out"),
                            "--train_file", str(train), "--validation_file", str(train), "--do_train", "--do_eval",
                            "--max_steps", "1", "--report_to", "none", "--use_cpu"]) == 0


def test_the_unknown_token_share_counts_nested_ids_and_leaves_padding_out():
    """MCQA's input ids are rows of choices: every id counts, padding none."""
    import types

    import datasets

    from trainers.runner import unknown_token_share

    features = datasets.Dataset.from_dict({"input_ids": [[[1, 5, 0], [1, 0, 0]], [[5, 5, 5]]]})
    tokenizer = types.SimpleNamespace(unk_token_id=1, pad_token_id=0)
    assert unknown_token_share(features, tokenizer) == pytest.approx(2 / 6)
    assert unknown_token_share(datasets.Dataset.from_dict({"input_ids": [[1, 1, 5, 0]]}), tokenizer) == (
        pytest.approx(2 / 3))


def test_text_the_tokenizer_reads_as_unknown_tokens_is_warned_about(tmp_path, capsys):
    """A vocabulary that cannot spell the text (a Korean one under lowercasing: Hangul split into jamo) trained
    and scored on [UNK]s without a word."""
    from tests.tiny_tokenizers import wordpiece_tokenizer

    records = nli_records(8, seed=1)

    def tiny_bert_reading(texts: list[str], name: str):
        tokenizer = wordpiece_tokenizer(texts, vocab_size=600, model_max_length=128)
        transformers.BertModel(transformers.BertConfig(
            vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=64, max_position_embeddings=130, pad_token_id=tokenizer.pad_token_id,
        )).save_pretrained(tmp_path / name)
        tokenizer.save_pretrained(tmp_path / name)
        return tmp_path / name

    korean = tiny_bert_reading([r[key] for r in records for key in ("premise", "hypothesis")] * 5, "korean")
    latin = tiny_bert_reading(["the quick brown fox jumps over the lazy dog"] * 20, "latin")
    dev = write_json(tmp_path / "dev.json", records)
    for model, warned in ((korean, False), (latin, True)):
        assert main(NliTask(), ["--model_name_or_path", str(model), "--output_dir", str(tmp_path / model.name),
                                "--validation_file", str(dev), "--do_eval", "--report_to", "none", "--use_cpu",
                                "--pad_to_max_length"]) == 0  # padding is not counted
        out = capsys.readouterr().out
        assert ("% of the tokens are [UNK]: the tokenizer cannot read this text" in out) is warned
    assert re.search(r"validation: ([5-9]\d|100)% of the tokens are \[UNK\]", out)  # [CLS]/[SEP] are not


def test_label_names_are_in_id_order_past_ten_labels_whether_ids_are_numbers_or_text():
    # config.json keeps ids as text: in text order "10" would come before "2", and RE's 30 labels would be misnamed
    from trainers.loading import label_list

    names = [f"label{index}" for index in range(12)]
    assert label_list({str(index): name for index, name in reversed(list(enumerate(names)))}) == names
    assert label_list({index: name for index, name in enumerate(names)}) == names
    assert label_list(None) == []


def test_a_tokenizer_saved_to_pad_and_cut_on_the_left_pads_and_cuts_on_the_right(tiny_bert, tmp_path):
    # [CLS] stays at position 0 and outputs map to tokens by position only under right padding
    from args import ModelArguments
    from trainers.loading import load_tokenizer

    transformers.AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(tmp_path)
    config = tmp_path / "tokenizer_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text(encoding="utf-8")), "padding_side": "left",
                                  "truncation_side": "left"}), encoding="utf-8")
    assert transformers.AutoTokenizer.from_pretrained(tmp_path).padding_side == "left"
    tokenizer = load_tokenizer(ModelArguments(model_name_or_path=str(tmp_path)))
    assert (tokenizer.padding_side, tokenizer.truncation_side) == ("right", "right")
    assert tokenizer(["가", "가 나 다"], padding=True)["input_ids"][0][0] == tokenizer.cls_token_id
