"""MCQA end to end through the script entry point, both routes, on tiny offline models and made-up items."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForMultipleChoice, AutoTokenizer

from tests.synthetic import corpus
from tests.synthetic_mcqa import mcqa_corpus, mcqa_records, write_competition_csv, write_jsonl
from tests.tiny_causal_lm import save_tiny_causal_lm
from tests.tiny_tokenizers import copy_with_tokenizer_settings
from tests.weight_changes import changed_share
from smoke.tiny_model import build_tiny_model
from trainers.run_mcqa import McqaTask
from trainers.runner import main

FAST = ["--per_device_train_batch_size", "8", "--per_device_eval_batch_size", "16", "--save_strategy", "no",
        "--report_to", "none", "--use_cpu", "--disable_tqdm", "true", "--warmup_steps", "0.1"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def mcqa_bert(tmp_path_factory) -> Path:
    """A tiny BERT whose vocabulary covers the items' words (the shared tiny one reads them as [UNK])."""
    # 1000 (559 used): every option word is one token, as in the choices ("빨강", not "빨", "##강")
    return build_tiny_model(tmp_path_factory.mktemp("mcqa-bert"), [*corpus(), *mcqa_corpus()], vocab_size=1000,
                            model_max_length=128, intermediate_size=128, max_position_embeddings=130)


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory) -> Path:
    return save_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


def run_mcqa(model: Path, output: Path, *extra: str) -> int:
    return main(McqaTask(), ["--model_name_or_path", str(model), "--output_dir", str(output), *FAST, *extra])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- learning, both routes --------------------------------------------------------------------

# (training items, flags). The encoder must learn to match a choice with the quoted word of the passage,
# which starts late: 10 epochs over 100 items left one seed in two at 20-30%; 15 over 120 gave 100% and
# 88%. The causal LM maps that word to its number (fixed choice order per topic): 100% by epoch 8.
ROUTES = {
    "encoder": (120, ["--num_train_epochs", "15", "--learning_rate", "2e-3"]),
    "causal_lm": (100, ["--num_train_epochs", "8", "--learning_rate", "2e-3"]),
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("route", list(ROUTES))
def test_both_routes_learn_to_answer_from_the_passage(route, seed, mcqa_bert, tiny_lm, tmp_path, capsys):
    """Train from the competition CSV, evaluate on JSON lines, predict an unlabelled CSV: guessing
    scores 22% (4- and 5-choice items), both routes must reach 60%."""
    n_train, flags = ROUTES[route]
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(n_train, seed=10 + seed))
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(40, seed=100 + seed))
    hidden = mcqa_records(20, seed=200 + seed)
    test = write_competition_csv(tmp_path / "test.csv", hidden, with_answers=False)
    out, submission = tmp_path / "out", tmp_path / "submission.csv"
    model = mcqa_bert if route == "encoder" else tiny_lm
    assert run_mcqa(model, out, "--mcqa_model", route, "--train_file", str(train), "--validation_file", str(dev),
                    "--test_file", str(test), "--do_train", "--do_eval", "--do_predict", "--seed", str(seed),
                    "--predictions_csv", str(submission), *flags) == 0

    results = json.loads((out / "eval_results.json").read_text())
    print(f"MCQA {route} seed={seed}: {results}")
    assert results["eval_accuracy"] >= 60
    assert {"eval_accuracy_4_choices", "eval_accuracy_5_choices"} <= set(results)
    breakdown = json.loads((out / "eval_breakdown.json").read_text())
    assert breakdown["items_by_choice_count"] == {"4_choices": 20, "5_choices": 20}

    predictions = read_jsonl(out / "predictions.jsonl")
    assert [p["id"] for p in predictions] == [item["id"] for item in hidden]
    for prediction, item in zip(predictions, hidden):
        assert len(prediction["scores"]) == len(item["choices"])  # a 4-choice item never gets a 5th score
        assert sum(prediction["scores"]) == pytest.approx(1.0, abs=1e-4)
        assert prediction["scores"][prediction["prediction"] - 1] == max(prediction["scores"])
    with submission.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows == [["id", "answer"]] + [[p["id"], str(p["prediction"])] for p in predictions]
    correct = sum(p["prediction"] == item["answer"] for p, item in zip(predictions, hidden))
    assert correct >= 12  # unlabelled items are read at their last prompt token: 60% of 20


@pytest.mark.parametrize("route", list(ROUTES))
def test_scores_do_not_depend_on_the_eval_batch_or_the_padding_side(route, mcqa_bert, tiny_lm, tmp_path):
    """4- and 5-choice items padded together, prompts of every length: an item's scores are the same alone, in a
    batch padded to a multiple, and with a tokenizer that pads on the left."""
    from tests.tiny_tokenizers import copy_with_padding_side

    model = mcqa_bert if route == "encoder" else tiny_lm
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(12, seed=4))
    left = copy_with_padding_side(model, tmp_path / "left", "left")
    scores = {}
    for name, path, flags in (("alone", model, ["--per_device_eval_batch_size", "1"]),
                              ("padded", model, ["--per_device_eval_batch_size", "5", "--pad_to_multiple_of", "8"]),
                              ("left", left, ["--per_device_eval_batch_size", "5"])):  # fmt: skip
        assert run_mcqa(path, tmp_path / name, "--mcqa_model", route, "--validation_file", str(dev), "--do_eval",
                        *flags) == 0  # fmt: skip
        scores[name] = [p["scores"] for p in read_jsonl(tmp_path / name / "eval_predictions.jsonl")]
    assert len(scores["alone"]) == 12
    for name in ("padded", "left"):
        for got, alone in zip(scores[name], scores["alone"], strict=True):
            assert got == pytest.approx(alone, abs=1e-5), name


def without_pad_token(model_dir: Path, destination: Path) -> Path:
    """A copy of a saved model folder whose tokenizer has no pad token (some tokenizers ship without one)."""
    return copy_with_tokenizer_settings(model_dir, destination, pad_token=None)


def test_an_encoder_tokenizer_without_a_pad_token_scores_as_with_one(mcqa_bert, tmp_path):
    """The encoder route falls back to another pad id, as the causal route does (the attention mask hides the pads):
    a ChoiceCollator without a pad id ended the first batch in a TypeError traceback. Scores are those of the same
    model with its pad token, in padded batches and under --pad_to_max_length; one training step runs too."""
    nopad = without_pad_token(mcqa_bert, tmp_path / "nopad")
    assert AutoTokenizer.from_pretrained(nopad).pad_token is None
    assert AutoTokenizer.from_pretrained(mcqa_bert).pad_token is not None
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(12, seed=4, distractors=True))
    scores = {}
    for name, path, flags in (("pad", mcqa_bert, []), ("nopad", nopad, []),
                              ("nopad_fixed", nopad, ["--pad_to_max_length", "--max_seq_length", "128"])):
        assert run_mcqa(path, tmp_path / name, "--validation_file", str(dev), "--do_eval",
                        "--per_device_eval_batch_size", "5", *flags) == 0, name
        scores[name] = [p["scores"] for p in read_jsonl(tmp_path / name / "eval_predictions.jsonl")]
    assert len(scores["pad"]) == 12
    for name in ("nopad", "nopad_fixed"):
        for got, expected in zip(scores[name], scores["pad"], strict=True):
            assert got == pytest.approx(expected, abs=1e-6), name
    assert run_mcqa(nopad, tmp_path / "trained", "--train_file", str(dev), "--do_train", "--max_steps", "1",
                    "--per_device_train_batch_size", "5") == 0
    assert AutoTokenizer.from_pretrained(tmp_path / "trained").pad_token is not None  # saved with its fallback


def test_a_tokenizer_with_nothing_to_pad_with_is_one_line(tiny_bert):
    """No pad, eos or unk token: refused before any data is read, on either route."""
    from args import ArgumentsError

    for route, what in (("encoder", "choices"), ("causal_lm", "prompts")):
        tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
        tokenizer.pad_token, tokenizer.unk_token = None, None
        task = McqaTask()
        task.use_options(_options(mcqa_model=route))
        task.prepare_tokenizer(tokenizer)
        with pytest.raises(ArgumentsError, match=f"^the tokenizer has no pad, eos or unk token to pad {what} with$"):
            task.check_options(tokenizer, 128)


def _token_lengths(input_ids: list) -> list[int]:
    """What a batch pads each feature to: an encoder item's longest choice pair, a prompt's length."""
    return [max(map(len, ids)) if isinstance(ids[0], list) else len(ids) for ids in input_ids]


@pytest.mark.parametrize("route", list(ROUTES))
def test_group_by_length_groups_by_token_length_and_leaves_predictions_alone(route, mcqa_bert, tiny_lm,
                                                                             tmp_path, monkeypatch):
    """--train_sampling_strategy group_by_length: the training sampler's lengths and the evaluation's longest-first
    order are the items' token lengths. An encoder item's input_ids are one token list per choice, so the samplers
    grouped by its 4 or 5 choices, silently. Predictions are those of an evaluation in file order."""
    import numpy as np

    from trainers.klue_trainer import KlueTrainer

    seen: dict[str, tuple[list[int], list[int]]] = {}
    train_sampler, eval_sampler = KlueTrainer._get_train_sampler, KlueTrainer._get_eval_sampler

    def spy_train(self, dataset=None):
        sampler = train_sampler(self, dataset)
        seen["train"] = (list(sampler.lengths), _token_lengths(dataset["input_ids"]))
        return sampler

    def spy_eval(self, dataset):
        sampler = eval_sampler(self, dataset)
        if hasattr(sampler, "order"):  # under group_by_length: longest first
            seen["eval"] = (sampler.order.tolist(), _token_lengths(dataset["input_ids"]))
        return sampler

    monkeypatch.setattr(KlueTrainer, "_get_train_sampler", spy_train)
    monkeypatch.setattr(KlueTrainer, "_get_eval_sampler", spy_eval)
    model = mcqa_bert if route == "encoder" else tiny_lm
    train = write_jsonl(tmp_path / "train.jsonl", mcqa_records(16, seed=3, distractors=True))
    items = mcqa_records(12, seed=4, distractors=True)
    dev = write_jsonl(tmp_path / "dev.jsonl", items)
    grouped = tmp_path / "grouped"
    assert run_mcqa(model, grouped, "--mcqa_model", route, "--train_file", str(train), "--validation_file", str(dev),
                    "--do_train", "--do_eval", "--max_steps", "1", "--per_device_train_batch_size", "4",
                    "--per_device_eval_batch_size", "5", "--train_sampling_strategy", "group_by_length") == 0

    lengths, expected = seen["train"]
    assert lengths == expected and min(expected) > 5  # tokens, not the choice count
    order, expected = seen["eval"]
    assert order == np.argsort(-np.asarray(expected), kind="stable").tolist()
    by_choices = np.argsort(-np.asarray([len(item["choices"]) for item in items]), kind="stable").tolist()
    assert order != by_choices  # the check can tell the two apart

    # The trained model, evaluated in file order: the same scores, item by item.
    assert run_mcqa(grouped, tmp_path / "sequential", "--mcqa_model", route, "--validation_file", str(dev),
                    "--do_eval", "--per_device_eval_batch_size", "5") == 0
    expected_scores = read_jsonl(tmp_path / "sequential" / "eval_predictions.jsonl")
    got_scores = read_jsonl(grouped / "eval_predictions.jsonl")
    assert [p["id"] for p in got_scores] == [item["id"] for item in items]
    for got, sequential in zip(got_scores, expected_scores, strict=True):
        assert got["prediction"] == sequential["prediction"]
        assert got["scores"] == pytest.approx(sequential["scores"], abs=1e-5)


# --- the pieces the routes rest on -------------------------------------------------------------


def test_four_and_five_choice_items_share_a_batch_and_padded_choices_never_count(tiny_bert):
    from models.mcqa_choices import ChoiceCollator, mask_padded_choices

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    model = mask_padded_choices(AutoModelForMultipleChoice.from_pretrained(tiny_bert)).eval()
    with torch.no_grad():  # a trained-like head: the initial 0.02-std one moves a leaked logit by only ~2e-5
        torch.manual_seed(0)
        model.classifier.weight.normal_(0, 1.0)
    task = McqaTask()
    task.use_options(_options())
    items = mcqa_records(2, seed=5)  # a 4-choice and a 5-choice item
    columns = {key: [item[key] for item in items] for key in items[0]}
    features = task.preprocess(columns, tokenizer, 128, False)
    rows = [{key: features[key][i] for key in ("input_ids", "token_type_ids", "labels")} for i in range(2)]
    collate = ChoiceCollator(tokenizer.pad_token_id)
    batch = collate(rows)
    assert batch["input_ids"].shape[:2] == (2, 5)
    assert batch["choice_mask"].tolist() == [[True] * 4 + [False], [True] * 5]

    with torch.no_grad():
        mixed = model(**batch)
        alone = model(**collate(rows[:1]))
        padded = model(**ChoiceCollator(tokenizer.pad_token_id, pad_to_multiple_of=64)(rows[:1]))
    assert mixed.logits[0, 4] == torch.finfo(mixed.logits.dtype).min  # the padded choice can never win
    torch.testing.assert_close(mixed.logits[0, :4], alone.logits[0], rtol=0, atol=1e-5)
    torch.testing.assert_close(padded.logits[0], alone.logits[0], rtol=0, atol=1e-5)  # longer token padding
    # The loss of the mixed batch is the mean of the two items' losses over their real choices only.
    per_item = [torch.nn.functional.cross_entropy(mixed.logits[0:1, :4], batch["labels"][0:1]),
                torch.nn.functional.cross_entropy(mixed.logits[1:2], batch["labels"][1:2])]
    torch.testing.assert_close(mixed.loss, (per_item[0] + per_item[1]) / 2)


def _options(**values):
    from args import McqaArguments

    return McqaArguments(**values)


def test_an_llm_saved_in_bf16_fine_tuned_in_full_trains_fp32_weights(tiny_lm, tmp_path):
    """--lora_r 0 trains every weight: in the bf16 an LLM ships in, most of Adam's steps would round away
    (15% of the weights moved in the audit's run)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    bf16 = tmp_path / "bf16-lm"
    AutoModelForCausalLM.from_pretrained(tiny_lm, dtype=torch.bfloat16).save_pretrained(bf16)
    AutoTokenizer.from_pretrained(tiny_lm).save_pretrained(bf16)
    train = write_jsonl(tmp_path / "train.jsonl", mcqa_records(16, seed=3))
    out = tmp_path / "out"
    assert run_mcqa(bf16, out, "--mcqa_model", "causal_lm", "--lora_r", "0", "--learning_rate", "1e-5",
                    "--max_steps", "3", "--train_file", str(train), "--do_train") == 0

    trained = AutoModelForCausalLM.from_pretrained(out, dtype="auto")
    assert trained.dtype == torch.float32
    start = AutoModelForCausalLM.from_pretrained(bf16, dtype=torch.float32).state_dict()
    assert changed_share(start, trained.state_dict(), prefix="model.layers.") > 0.9


def test_lora_adapters_save_and_reload_to_the_same_scores(tiny_lm, tmp_path):
    """LoRA on a causal LM without a chat template (the plain prompt): the output dir holds the adapters
    and the base config, and evaluating from it gives the scores the trained model gave."""
    plain_lm = save_tiny_causal_lm(tmp_path / "plain-lm", chat_template=False)
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(24, seed=3))
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(10, seed=4))
    out = tmp_path / "out"
    assert run_mcqa(plain_lm, out, "--mcqa_model", "causal_lm", "--lora_r", "4", "--lora_alpha", "8",
                    "--lora_target_modules", "q_proj,v_proj", "--learning_rate", "1e-2", "--num_train_epochs", "2",
                    "--train_file", str(train), "--validation_file", str(dev), "--do_train", "--do_eval") == 0
    saved = {path.name for path in out.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "config.json"} <= saved
    assert "model.safetensors" not in saved  # adapters only, not the base weights
    assert json.loads((out / "adapter_config.json").read_text())["r"] == 4

    again = tmp_path / "again"
    assert run_mcqa(out, again, "--mcqa_model", "causal_lm", "--validation_file", str(dev), "--do_eval") == 0
    trained, reloaded = scores(out / "eval_predictions.jsonl"), scores(again / "eval_predictions.jsonl")
    assert reloaded == pytest.approx(trained, abs=1e-5)
    base = tmp_path / "base"  # and the adapters do change the scores: without them they differ
    assert run_mcqa(plain_lm, base, "--mcqa_model", "causal_lm", "--validation_file", str(dev), "--do_eval") == 0
    assert scores(base / "eval_predictions.jsonl") != pytest.approx(trained, abs=1e-3)


def test_4bit_adapters_reload_onto_the_base_their_training_prepared(tiny_lm, tmp_path, monkeypatch):
    """QLoRA trains on a base whose norms and embeddings peft casts to fp32; a reload of the adapters that
    kept them in bf16 gave other probabilities than the training run's own evaluation (max |dp| 1.6e-2 at
    Qwen2-1.5B shape on a GPU). bitsandbytes needs CUDA, so a bf16 load stands in for the 4-bit one here:
    the weights around the quantized layers are the part under test."""
    from transformers import AutoConfig

    from args import ModelArguments
    from trainers import run_mcqa

    load = run_mcqa.from_pretrained

    def bf16_instead_of_4bit(loader, model_args, name=None, **kwargs):
        assert "quantization_config" in kwargs  # the 4-bit path is the one taken
        kwargs = {key: value for key, value in kwargs.items() if key not in ("quantization_config", "device_map")}
        return load(loader, model_args, name, **{**kwargs, "dtype": torch.bfloat16})

    monkeypatch.setattr(run_mcqa, "from_pretrained", bf16_instead_of_4bit)
    config = AutoConfig.from_pretrained(tiny_lm)
    training = McqaTask()
    training.use_options(_options(mcqa_model="causal_lm", load_in_4bit=True, lora_r=4, lora_alpha=8))
    trained = training.build_model(ModelArguments(model_name_or_path=str(tiny_lm)), config)
    torch.manual_seed(0)
    with torch.no_grad():  # LoRA's B starts at zero: give the adapters an effect to reload
        for name, parameter in trained.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.5)
    trained.save_pretrained(str(tmp_path / "adapters"))

    evaluating = McqaTask()
    evaluating.use_options(_options(mcqa_model="causal_lm", load_in_4bit=True))
    reloaded = evaluating.build_model(ModelArguments(model_name_or_path=str(tmp_path / "adapters")), config)
    dtypes = {name: parameter.dtype for name, parameter in reloaded.named_parameters()}
    assert dtypes == {name: parameter.dtype for name, parameter in trained.named_parameters()}
    assert dtypes["base_model.model.model.norm.weight"] == torch.float32
    ids = torch.arange(3, 43).view(4, 10)  # four rows, right-padded to 10, 7, 4 and 2 tokens: four positions read
    mask = (torch.arange(10) < torch.tensor([10, 7, 4, 2])[:, None]).long()
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):  # --bf16, as QLoRA runs
        expected = trained.eval()(input_ids=ids, attention_mask=mask).logits
        assert torch.equal(reloaded.eval()(input_ids=ids, attention_mask=mask).logits, expected)
    assert expected.shape[:2] == (4, 1)


@pytest.mark.parametrize("route", ["encoder", "causal_lm"])
def test_label_smoothing_trains_both_routes_and_leaves_eval_loss_finite(route, mcqa_bert, tiny_lm, tmp_path):
    """--label_smoothing_factor: the causal route gave a traceback (the Trainer's smoother took the labels
    the answer position is read from), and the encoder route an eval_loss of 3e36 (padded choices' masked
    logits in the Trainer's smoothing). Both heads now smooth their own loss, over real choices only."""
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(16, seed=3))
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(8, seed=4))  # 4 and 5 choices mixed
    model = tiny_lm if route == "causal_lm" else mcqa_bert
    out = tmp_path / "out"
    assert run_mcqa(model, out, "--mcqa_model", route, "--train_file", str(train), "--validation_file", str(dev),
                    "--do_train", "--do_eval", "--num_train_epochs", "1", "--label_smoothing_factor", "0.1") == 0
    results = json.loads((out / "all_results.json").read_text())
    assert 0 < results["eval_loss"] < 20 and 0 < results["train_loss"] < 20


def test_a_reload_builds_its_prompts_as_the_model_was_trained(tiny_lm, tmp_path, capsys):
    """Trained with --mcqa_chat_template false on a tokenizer that has a chat template: the output dir
    records the plain format, so a reload without the flag scores as the training run did; naming the
    other format explicitly is allowed, with a warning."""
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(24, seed=3))
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(10, seed=4))
    out = tmp_path / "out"
    assert run_mcqa(tiny_lm, out, "--mcqa_model", "causal_lm", "--mcqa_chat_template", "false", "--lora_r", "4",
                    "--learning_rate", "1e-2", "--num_train_epochs", "2", "--train_file", str(train),
                    "--validation_file", str(dev), "--do_train", "--do_eval") == 0
    assert json.loads((out / "config.json").read_text())["mcqa_chat_template"] is False
    again = tmp_path / "again"
    assert run_mcqa(out, again, "--mcqa_model", "causal_lm", "--validation_file", str(dev), "--do_eval") == 0
    assert scores(again / "eval_predictions.jsonl") == pytest.approx(scores(out / "eval_predictions.jsonl"), abs=1e-5)
    capsys.readouterr()
    other = tmp_path / "other"
    assert run_mcqa(out, other, "--mcqa_model", "causal_lm", "--mcqa_chat_template", "true", "--validation_file",
                    str(dev), "--do_eval") == 0
    logged = capsys.readouterr()
    assert "this model was trained with plain prompts" in logged.out + logged.err


def scores(path: Path) -> list[float]:
    return [score for line in read_jsonl(path) for score in line["scores"]]


def test_chat_template_is_used_when_the_tokenizer_has_one(tiny_lm, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    task = McqaTask()
    task.use_options(_options(mcqa_model="causal_lm"))
    task.check_options(tokenizer, 512)
    assert task.chat_template and tokenizer.convert_ids_to_tokens(task.answer_ids) == list("12345")
    item = mcqa_records(1)[0]
    features = task.preprocess({key: [value] for key, value in item.items()}, tokenizer, 512, False)
    text = tokenizer.decode(features["input_ids"][0])
    assert text.startswith("<|im_start|>user\n지문:") and text.endswith(f"<|im_start|>assistant\n{item['answer']}")
    assert features["labels"][0][:-1] == [-100] * (len(features["labels"][0]) - 1)  # loss on the answer only
    assert features["labels"][0][-1] == task.answer_ids[item["answer"] - 1]

    task.use_options(_options(mcqa_model="causal_lm", mcqa_chat_template=False))
    task.check_options(tokenizer, 512)
    text = tokenizer.decode(task.preprocess({key: [value] for key, value in item.items()}, tokenizer, 512,
                                            False)["input_ids"][0])
    assert text.startswith("지문:") and text.endswith(f"정답:{item['answer']}")


def test_prompts_read_special_token_text_as_the_loaded_tokenizer_does(tiny_lm, tmp_path):
    """A plain prompt follows the loaded tokenizer: text when it splits special tokens (fast ones, as
    load_tokenizer sets them), tokens when it does not (a slow tokenizer, whose added words would otherwise
    become [UNK]). A chat-template prompt always reads its template's tokens as tokens."""
    plain_lm = save_tiny_causal_lm(tmp_path / "plain-lm", chat_template=False)
    end = "<|im_end|>"
    for model, chat in ((plain_lm, False), (tiny_lm, True)):
        tokenizer = AutoTokenizer.from_pretrained(model)
        task = McqaTask()
        task.use_options(_options(mcqa_model="causal_lm"))
        task.check_options(tokenizer, 512)
        assert task.chat_template is chat
        end_id = tokenizer.convert_tokens_to_ids(end)
        for split in (True, False):
            tokenizer.split_special_tokens = split
            read_as_token = end_id in task.prompt_token_ids(tokenizer, f"지문 {end} 질문")
            assert read_as_token is (chat or not split)


# --- long passages and bad input ---------------------------------------------------------------


def test_long_passages_are_cut_and_counted_the_question_and_choices_kept(mcqa_bert, tmp_path, capsys,
                                                                         tokenizer_warnings):
    items = mcqa_records(6, seed=6, distractors=True)
    for item in items:
        item["paragraph"] = (item["paragraph"] + " ") * 20  # far past max_seq_length, and the model's 128
        item["question_plus"] = ""
    dev = write_jsonl(tmp_path / "dev.jsonl", items)
    assert run_mcqa(mcqa_bert, tmp_path / "out", "--validation_file", str(dev), "--do_eval",
                    "--max_seq_length", "64") == 0
    assert "6 of 6 items are longer than max_seq_length: their passages were cut" in capsys.readouterr().out
    # measured whole before the cut: transformers' "will result in indexing errors" would be wrong
    assert not [message for message in tokenizer_warnings if "indexing errors" in message]

    tokenizer = AutoTokenizer.from_pretrained(mcqa_bert)
    task = McqaTask()
    task.use_options(_options())
    features = task.preprocess({key: [item[key] for item in items] for key in items[0]}, tokenizer, 64, False)
    sep = tokenizer.sep_token_id
    for item, choices in zip(items, features["input_ids"]):
        question = tokenizer(item["question"], add_special_tokens=False)["input_ids"]
        passage = tokenizer(item["paragraph"], add_special_tokens=False)["input_ids"]
        for choice, ids in zip(item["choices"], choices):
            first_sep = ids.index(sep)
            assert len(ids) <= 64 and first_sep - 1 - len(question) < len(passage)  # the passage lost tokens
            assert ids[first_sep - len(question) : first_sep] == question  # the whole question
            assert ids[first_sep + 1 : -1] == tokenizer(choice, add_special_tokens=False)["input_ids"]


def test_unanswered_items_padded_to_max_length_are_predicted_without_a_loss(mcqa_bert, tmp_path):
    test = write_competition_csv(tmp_path / "test.csv", mcqa_records(4, seed=7), with_answers=False)
    out = tmp_path / "out"
    assert run_mcqa(mcqa_bert, out, "--test_file", str(test), "--do_predict", "--pad_to_max_length",
                    "--max_seq_length", "64", "--predictions_csv") == 0
    results = json.loads((out / "predict_results.json").read_text())
    # was NaN, a loss over labels all ignored: no predict_loss for an unlabelled split (the collators give such
    # batches no labels either: test_a_batch_of_unanswered_items_reaches_the_model_without_labels)
    assert "predict_loss" not in results, results
    assert len(read_jsonl(out / "predictions.jsonl")) == 4
    assert len((out / "predictions.csv").read_text().splitlines()) == 5  # without a path: in --output_dir
    assert b"\r" not in (out / "predictions.csv").read_bytes()


def error_lines(capsys) -> list[str]:
    """The error lines on stderr (tokenization progress bars may precede them)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("flags", [["--do_eval"], ["--do_eval", "false", "--do_predict"]], ids=["eval", "predict"])
def test_an_item_that_cannot_fit_without_its_passage_is_one_line(flags, tiny_bert, tmp_path, capsys):
    """Also when predicted as the test split, which is the validation file when no --test_file is given."""
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(3, seed=6))
    assert run_mcqa(tiny_bert, tmp_path / "out", "--validation_file", str(dev), *flags, "--max_seq_length", "12") == 2
    err = error_lines(capsys)
    assert len(err) == 1 and ", id smoke-mcqa-00001: 1 item(s) do not fit even without their passage" in err[0]
    assert err[0].startswith(f"error: {dev}, ")  # the file, though the check runs on the tokenized split
    assert "choices alone take 22 tokens, more than max_seq_length 12" in err[0]


def test_bad_problems_cell_ends_in_one_line_and_exit_2(tiny_bert, tmp_path, capsys):
    train = tmp_path / "train.csv"
    train.write_text('id,paragraph,problems,question_plus\nq-1,지문,"{""question"": ""q"", ""choices"": [""a""",\n',
                     encoding="utf-8")
    assert run_mcqa(tiny_bert, tmp_path / "out", "--train_file", str(train), "--do_train") == 2
    err = error_lines(capsys)
    assert len(err) == 1 and f"{train}, record 0 (id q-1), field 'problems': not valid JSON" in err[0]


def test_no_data_flags_and_unanswered_training_items_are_one_line(tiny_bert, tmp_path, capsys):
    assert run_mcqa(tiny_bert, tmp_path / "out", "--do_train") == 2
    err = error_lines(capsys)
    assert len(err) == 1 and "mcqa has no Hub dataset; pass --train_file" in err[0]
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(3), with_answers=False)
    assert run_mcqa(tiny_bert, tmp_path / "out", "--train_file", str(train), "--do_train") == 2
    err = error_lines(capsys)
    assert len(err) == 1 and "train: 3 of 3 examples have no label" in err[0] and "(id smoke-mcqa-00000)" in err[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given without a GPU")
def test_4bit_without_a_gpu_is_one_line(tiny_lm, tmp_path, capsys):
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(2))
    assert run_mcqa(tiny_lm, tmp_path / "out", "--mcqa_model", "causal_lm", "--load_in_4bit",
                    "--validation_file", str(dev), "--do_eval") == 2
    err = error_lines(capsys)
    assert len(err) == 1 and "--load_in_4bit needs a CUDA GPU" in err[0]


def test_a_decoder_llm_on_the_encoder_route_is_one_line(tiny_lm, tmp_path, capsys):
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(4, seed=4))
    assert run_mcqa(tiny_lm, tmp_path / "out", "--validation_file", str(dev), "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("error: --mcqa_model encoder: a qwen2 model has no multiple-choice head in Transformers; "
                       "use another model or --mcqa_model causal_lm")


def test_an_encoder_on_the_causal_route_is_one_line(mcqa_bert, tmp_path, capsys):
    """BertLMHeadModel without is_decoder attends both ways: a labelled item's answer token reached its
    own scored position (a helper measured eval accuracy 60% against 15% predicting the same items)."""
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(4, seed=4))
    assert run_mcqa(mcqa_bert, tmp_path / "out", "--mcqa_model", "causal_lm", "--validation_file", str(dev),
                    "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: --mcqa_model causal_lm: BertLMHeadModel is an encoder whose positions see")


def test_an_encoder_on_the_causal_route_with_lora_targets_is_the_same_line(mcqa_bert, tmp_path, capsys):
    """The encoder is refused before LoRA looks for its (decoder) target modules, which it would not find."""
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(4, seed=4))
    assert run_mcqa(mcqa_bert, tmp_path / "out", "--mcqa_model", "causal_lm", "--lora_r", "4",
                    "--lora_target_modules", "q_proj,v_proj", "--validation_file", str(dev), "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: --mcqa_model causal_lm: BertLMHeadModel is an encoder whose positions see")


def test_lora_adapters_of_a_base_model_given_by_a_relative_path_reload_from_another_folder(
    tiny_lm, tmp_path, monkeypatch, capsys
):
    """adapter_config.json records the base model's absolute path: the README's reload command works from any
    folder. An adapter whose recorded base cannot be found says which file names it."""
    dev = write_jsonl(tmp_path / "dev.jsonl", mcqa_records(6, seed=4))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(tiny_lm, tmp_path / "models" / "lm")
    monkeypatch.chdir(work)
    out = tmp_path / "out"
    assert run_mcqa(Path("../models/lm"), out, "--mcqa_model", "causal_lm", "--lora_r", "4", "--max_steps", "1",
                    "--train_file", str(dev), "--do_train") == 0
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str((tmp_path / "models" / "lm").resolve())
    monkeypatch.chdir(tmp_path)
    assert run_mcqa(out, tmp_path / "again", "--mcqa_model", "causal_lm", "--validation_file", str(dev),
                    "--do_eval") == 0

    config["base_model_name_or_path"] = "../models/lm"  # an adapter saved before, from another folder
    (out / "adapter_config.json").write_text(json.dumps(config))
    capsys.readouterr()
    assert run_mcqa(out, tmp_path / "third", "--mcqa_model", "causal_lm", "--validation_file", str(dev),
                    "--do_eval") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: Could not load AutoModelForCausalLM from '../models/lm'")
    assert f"{out / 'adapter_config.json'} names (base_model_name_or_path)" in err[-1]


def test_lora_flags_on_the_encoder_route_are_refused(tiny_bert, tmp_path, capsys):
    assert run_mcqa(tiny_bert, tmp_path / "out", "--lora_r", "8", "--do_eval") == 2
    assert "--lora_r is for --mcqa_model causal_lm" in capsys.readouterr().err


def test_the_encoder_head_smooths_its_loss_by_label_smoothing_factor(mcqa_bert, tmp_path, monkeypatch):
    """MCQA's heads smooth their own loss (the Trainer's smoother is off): the flag's value must reach the head."""
    import trainers.run_mcqa

    built_with = []
    mask_padded_choices = trainers.run_mcqa.mask_padded_choices

    def recording(model, label_smoothing=0.0):
        built_with.append(label_smoothing)
        return mask_padded_choices(model, label_smoothing)

    monkeypatch.setattr(trainers.run_mcqa, "mask_padded_choices", recording)
    train = write_competition_csv(tmp_path / "train.csv", mcqa_records(8, seed=3))
    assert run_mcqa(mcqa_bert, tmp_path / "out", "--mcqa_model", "encoder", "--train_file", str(train), "--do_train",
                    "--max_steps", "1", "--label_smoothing_factor", "0.2") == 0
    assert built_with == [0.2]


# --- the task's steps called directly, on made-up items and scores -------------------------------


def _columns(items: list[dict]) -> dict[str, list]:
    return {key: [item[key] for item in items] for key in items[0]}


def test_choice_scores_become_1_based_answers_per_item_probabilities_and_submission_rows(tmp_path):
    """Scores for a 4-, a 5- and a 4-choice item (the padded fifth choice at the lowest value, as reduce_logits
    leaves it): each item's probabilities cover its own choices, answers are 1-based everywhere (metrics,
    predictions.jsonl, the id,answer CSV) and the accuracy is broken down by choice count."""
    import datasets
    import numpy as np

    from trainers.task import softmax

    task = McqaTask()
    task.use_options(_options(predictions_csv=str(tmp_path / "submit.csv")))
    items = mcqa_records(3, seed=5)
    for item, answer in zip(items, [2, 5, 1]):
        item["answer"] = answer
    examples = datasets.Dataset.from_list(items)
    assert [len(item["choices"]) for item in items] == [4, 5, 4]
    low = float(torch.finfo(torch.float32).min)
    logits = np.array([[0, 3, 1, 0, low], [0, 0, 0, 0, 2], [0, 0, 4, 0, low]], dtype=np.float32)

    decoded = task.decode(examples, examples, logits)
    assert [len(scores) for scores in decoded] == [4, 5, 4]
    np.testing.assert_allclose(decoded[0], softmax(np.array([0.0, 3, 1, 0])))
    references = task.references(examples)
    assert references == [2, 5, 1]
    scored = task.score(decoded, references, examples)
    assert scored.scores == pytest.approx({"accuracy": 200 / 3, "accuracy_4_choices": 50.0,
                                           "accuracy_5_choices": 100.0})
    assert scored.breakdown["items_by_choice_count"] == {"4_choices": 2, "5_choices": 1}

    records = [task.prediction_record(item, scores) for item, scores in zip(examples, decoded)]
    assert [record["prediction"] for record in records] == [2, 5, 3]
    assert records[0] == {"id": "smoke-mcqa-00000", "prediction": 2, "scores": decoded[0].tolist()}  # unrounded
    task.write_extra_predictions(tmp_path, examples, decoded, "test")
    assert (tmp_path / "submit.csv").read_text().splitlines() == [
        "id,answer", "smoke-mcqa-00000,2", "smoke-mcqa-00001,5", "smoke-mcqa-00002,3"]


def test_pad_to_max_length_masks_the_missing_fifth_choice_and_every_pad(mcqa_bert, tiny_lm):
    """--pad_to_max_length: a 4-choice item's fifth choice (a copy of its fourth) is masked out of the loss, and
    each prompt's pads are masked and carry no label. A pad read as a token moves the causal route's answer
    position (attention mask) or makes an unanswered prompt look answered (labels): wrong scores, silently."""
    items = mcqa_records(2, seed=5)  # a 4-choice and a 5-choice item
    items[1]["answer"] = None  # unanswered, as a test split
    encoder = McqaTask()
    encoder.use_options(_options())
    tokenizer = AutoTokenizer.from_pretrained(mcqa_bert)
    dynamic = encoder.preprocess(_columns(items), tokenizer, 64, False)
    fixed = encoder.preprocess(_columns(items), tokenizer, 64, "max_length")
    assert fixed["choice_mask"] == [[True] * 4 + [False], [True] * 5]
    for pairs, padded, masks in zip(dynamic["input_ids"], fixed["input_ids"], fixed["attention_mask"], strict=True):
        assert len(padded) == len(masks) == 5
        for choice in range(5):
            pair = pairs[min(choice, len(pairs) - 1)]
            assert padded[choice] == pair + [tokenizer.pad_token_id] * (64 - len(pair))
            assert masks[choice] == [1] * len(pair) + [0] * (64 - len(pair))

    causal = McqaTask()
    causal.use_options(_options(mcqa_model="causal_lm"))
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    causal.check_options(tokenizer, 512)
    dynamic = causal.preprocess(_columns(items), tokenizer, 512, False)
    fixed = causal.preprocess(_columns(items), tokenizer, 512, "max_length")
    pad = tokenizer.pad_token_id
    for row, (ids, labels) in enumerate(zip(dynamic["input_ids"], dynamic["labels"], strict=True)):
        padding = 512 - len(ids)
        assert padding > 0
        assert fixed["input_ids"][row] == ids + [pad] * padding
        assert fixed["attention_mask"][row] == [1] * len(ids) + [0] * padding
        assert fixed["labels"][row] == labels + [-100] * padding
    assert set(fixed["labels"][1]) == {-100}  # the unanswered prompt: nothing to score it as answered


def test_a_cut_passage_leaves_every_choice_pair_and_the_answer_token_within_max_seq_length(mcqa_bert, tiny_lm):
    """The passage is cut to fit the item's longest (context, choice) pair, so every pair fits; and a prompt is
    cut to leave room for its answer token, so a labelled item fits with it."""
    items = mcqa_records(2, seed=6)
    for item in items:
        item["paragraph"] = (item["paragraph"] + " ") * 20
    items[0]["choices"] = ["봄", "여름 가을 겨울 " * 4, "가을", "겨울"]  # one choice far longer than the others
    encoder = McqaTask()
    encoder.use_options(_options())
    features = encoder.preprocess(_columns(items), AutoTokenizer.from_pretrained(mcqa_bert), 64, False)
    assert features["passage_cut"] == [True, True]
    assert max(len(pair) for pairs in features["input_ids"] for pair in pairs) <= 64

    causal = McqaTask()
    causal.use_options(_options(mcqa_model="causal_lm"))
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    causal.check_options(tokenizer, 160)
    for max_length in range(150, 171):  # a cut ends at a word boundary: some limits are met exactly
        features = causal.preprocess(_columns(items), tokenizer, max_length, False)
        assert features["passage_cut"] == [True, True] and features["too_long"] == [0, 0]
        assert max(len(ids) for ids in features["input_ids"]) <= max_length, max_length
        assert features["input_ids"][1][-1] == causal.answer_ids[items[1]["answer"] - 1]  # the answer kept, last


def test_a_plain_prompt_starts_with_the_tokenizers_bos_token(tiny_lm, tmp_path):
    """A decoder LLM whose tokenizer has a BOS token (Llama's) reads it first, as in its pretraining; a chat
    template writes its own start, so no BOS is added there."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    tokenizer.bos_token = "<|im_start|>"
    item = mcqa_records(1, seed=5)[0]
    for chat in (False, True):
        task = McqaTask()
        task.use_options(_options(mcqa_model="causal_lm", mcqa_chat_template=chat))
        task.check_options(tokenizer, 512)
        ids = task.preprocess(_columns([item]), tokenizer, 512, False)["input_ids"][0]
        text = task.prompt_text(tokenizer, item["paragraph"], item["question"], item["question_plus"],
                                item["choices"])
        assert ids[:-1] == ([] if chat else [tokenizer.bos_token_id]) + task.prompt_token_ids(tokenizer, text)


def test_4bit_weights_are_refused_for_training_without_lora(tiny_lm):
    """QLoRA trains adapters on frozen 4-bit weights; --load_in_4bit alone can evaluate and predict only."""
    import datasets

    from args import ArgumentsError

    examples = datasets.Dataset.from_list(mcqa_records(2))
    task = McqaTask()
    task.use_options(_options(mcqa_model="causal_lm", load_in_4bit=True))
    with pytest.raises(ArgumentsError, match="^4-bit weights cannot be trained: add --lora_r"):
        task.prepare_split(examples, "train")
    assert task.prepare_split(examples, "validation") is examples
    task.use_options(_options(mcqa_model="causal_lm", load_in_4bit=True, lora_r=4))
    assert task.prepare_split(examples, "train") is examples


def test_a_decoder_tokenizer_without_a_pad_token_pads_with_its_eos(tiny_lm):
    """Decoder LLMs often ship without a pad and without an unk token (Llama 3): their eos pads the prompts."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    tokenizer.pad_token, tokenizer.unk_token = None, None
    assert tokenizer.eos_token == "<|endoftext|>"
    task = McqaTask()
    task.use_options(_options(mcqa_model="causal_lm"))
    task.prepare_tokenizer(tokenizer)
    task.check_options(tokenizer, 512)
    assert tokenizer.pad_token == "<|endoftext|>"


def test_an_llm_evaluated_without_training_keeps_its_saved_precision(tiny_lm, tmp_path):
    """Only weights a run trains are loaded in fp32: an evaluation of a bf16 LLM stays in bf16 (half the memory)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from args import ModelArguments

    bf16 = tmp_path / "bf16-lm"
    AutoModelForCausalLM.from_pretrained(tiny_lm, dtype=torch.bfloat16).save_pretrained(bf16)
    AutoTokenizer.from_pretrained(tiny_lm).save_pretrained(bf16)
    task = McqaTask()
    task.use_options(_options(mcqa_model="causal_lm"))
    model = task.build_model(ModelArguments(model_name_or_path=str(bf16)), AutoConfig.from_pretrained(bf16))
    assert model.dtype == torch.bfloat16
    task.trains = True
    model = task.build_model(ModelArguments(model_name_or_path=str(bf16)), AutoConfig.from_pretrained(bf16))
    assert model.dtype == torch.float32


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_batch_of_unanswered_items_reaches_the_model_without_labels(route, mcqa_bert, tiny_lm):
    """No loss over nothing (a NaN the runner would otherwise have to drop): an all-unanswered batch has no
    labels, under both collators; a batch with one answered item keeps them. (test_unanswered_items_padded_...
    cannot see this: the runner drops predict_loss for unlabelled splits whatever it is.)"""
    task = McqaTask()
    task.use_options(_options(mcqa_model=route))
    tokenizer = AutoTokenizer.from_pretrained(mcqa_bert if route == "encoder" else tiny_lm)
    task.check_options(tokenizer, 128)
    items = mcqa_records(2, seed=5)
    items[0]["answer"] = None
    collators = {False: task.data_collator(tokenizer, None), "max_length": task.fixed_length_collator()}
    for padding, collate in collators.items():
        features = task.preprocess(_columns(items), tokenizer, 128, padding)
        rows = [{key: values[row] for key, values in features.items() if key not in ("passage_cut", "too_long")}
                for row in range(2)]
        assert "labels" not in collate(rows[:1])
        assert "labels" in collate(rows)


def test_split_warnings_name_the_first_item_that_cannot_fit_and_say_nothing_when_nothing_was_cut():
    import datasets

    from klue_data import KlueDataError

    task = McqaTask()
    task.use_options(_options())
    task.max_length = 12
    examples = datasets.Dataset.from_list(mcqa_records(3))
    whole = datasets.Dataset.from_dict({"too_long": [0, 0, 0], "passage_cut": [False, False, False]})
    assert task.feature_warnings(examples, whole) == []
    cut = datasets.Dataset.from_dict({"too_long": [0, 0, 0], "passage_cut": [False, True, True]})
    assert task.feature_warnings(examples, cut) == [
        "2 of 3 items are longer than max_seq_length: their passages were cut at the end (question, <보기> and "
        "choices kept whole; raise --max_seq_length to keep more)."]
    too_long = datasets.Dataset.from_dict({"too_long": [0, 22, 30], "passage_cut": [False, True, True]})
    with pytest.raises(KlueDataError) as error:
        task.feature_warnings(examples, too_long)
    assert error.value.guid == "smoke-mcqa-00001"
    assert "2 item(s) do not fit even without their passage: the question, <보기> and choices alone take 22 " in str(
        error.value)
