"""What a run records of itself in --output_dir, so that a rerun or a resume can tell whether it is the same run."""

from __future__ import annotations

import hashlib

import pytest

from tests.synthetic import write_json, ynat_records


def test_the_settings_name_a_hub_models_version_and_the_train_files_contents(tmp_path):
    from args import DataArguments, KlueTrainingArguments, ModelArguments
    from trainers.run_folder import run_settings
    from trainers.run_ynat import YnatTask

    train = write_json(tmp_path / "train.json", ynat_records(4, seed=3))
    data = DataArguments(train_file=str(train))
    training = KlueTrainingArguments(output_dir=str(tmp_path / "out"), report_to="none", do_train=True)

    hub = run_settings(YnatTask(), ModelArguments("klue/roberta-base", model_revision="v1.1"), data, training)
    assert hub["model_revision"] == "v1.1"  # another version of a Hub model is another base model
    local = run_settings(YnatTask(), ModelArguments(str(tmp_path)), data, training)
    assert "model_revision" not in local  # a local folder has no versions: the flag means nothing for it

    assert hub["train_data_sha1"] == hashlib.sha1(train.read_bytes()).hexdigest()
    hub_data = run_settings(YnatTask(), ModelArguments(str(tmp_path)), DataArguments(), training)
    assert hub_data["train_data"] == "klue/klue ynat" and "train_data_sha1" not in hub_data


def training_arguments(output_dir, **flags):
    from args import KlueTrainingArguments

    return KlueTrainingArguments(output_dir=str(output_dir), report_to="none", **flags)


def test_a_folder_with_train_results_but_no_model_is_not_a_finished_run(tmp_path):
    # skipped as finished, the run would go on to load a model that is not there
    from trainers.run_folder import finished_training
    from trainers.run_ynat import YnatTask

    write_json(tmp_path / "train_results.json", {"train_loss": 1.0})
    assert finished_training(YnatTask(), training_arguments(tmp_path, do_train=True), {}) is False
    write_json(tmp_path / "config.json", {"klue_task": "ynat"})
    assert finished_training(YnatTask(), training_arguments(tmp_path, do_train=True), {}) is True


def test_a_model_fine_tuned_for_another_task_may_be_trained_from_but_not_evaluated_as_this_one():
    from transformers import BertConfig

    from args import ArgumentsError, ModelArguments
    from trainers.run_folder import check_trained_for
    from trainers.run_sts import StsTask

    nli_model = BertConfig(klue_task="nli")
    check_trained_for(nli_model, ModelArguments("nli-model"), StsTask(), training=True)  # transfer
    check_trained_for(BertConfig(klue_task="sts"), ModelArguments("sts-model"), StsTask(), training=False)
    with pytest.raises(ArgumentsError, match="nli-model was fine-tuned for nli, not sts"):
        check_trained_for(nli_model, ModelArguments("nli-model"), StsTask(), training=False)


def test_resume_from_a_checkpoint_folder_that_is_not_there_is_named_so(tmp_path):
    from args import ArgumentsError
    from trainers.run_folder import find_resume_checkpoint

    missing = tmp_path / "out" / "checkpoint-5"
    training = training_arguments(tmp_path / "out", do_train=True, resume_from_checkpoint=str(missing))
    with pytest.raises(ArgumentsError, match=f"--resume_from_checkpoint {missing}: no such checkpoint folder"):
        find_resume_checkpoint(training)
    # evaluating alone reads no checkpoint: the flag is left to the Trainer, as the Hugging Face scripts do
    assert find_resume_checkpoint(training_arguments(tmp_path / "out", do_eval=True,
                                                     resume_from_checkpoint=str(missing))) == str(missing)


def whole_checkpoint(folder):
    folder.mkdir(parents=True)
    write_json(folder / "trainer_state.json", {"global_step": int(folder.name.removeprefix("checkpoint-"))})
    return folder


def test_the_checkpoint_resumed_or_suggested_is_the_last_whole_one_by_step_not_by_name(tmp_path):
    from args import ArgumentsError
    from trainers.run_folder import find_resume_checkpoint, whole_checkpoints

    out = tmp_path / "out"
    early, late = whole_checkpoint(out / "checkpoint-9"), whole_checkpoint(out / "checkpoint-10")
    (out / "checkpoint-11").mkdir()  # a stop while saving it: no trainer_state.json
    assert whole_checkpoints(out) == [early, late]
    assert find_resume_checkpoint(training_arguments(out, do_train=True)) == str(late)
    named = training_arguments(out, do_train=True, resume_from_checkpoint=str(out))  # the run's folder, not one of its
    with pytest.raises(ArgumentsError, match=f"pass one of its checkpoints \\({late}\\)"):
        find_resume_checkpoint(named)


def test_a_resume_with_another_share_of_the_training_data_is_told_from_the_saved_run(tmp_path):
    # the checkpoint counted its position in the first N examples: another N is other data
    from args import DataArguments, ModelArguments
    from trainers.run_folder import changed_settings, run_settings
    from trainers.run_ynat import YnatTask

    train = write_json(tmp_path / "train.json", ynat_records(8, seed=3))
    training = training_arguments(tmp_path / "out", do_train=True)

    def settings(samples):
        data = DataArguments(train_file=str(train), max_train_samples=samples)
        return run_settings(YnatTask(), ModelArguments(str(tmp_path)), data, training)

    assert changed_settings(settings(4), settings(8), YnatTask()) == ["max_train_samples 4 -> 8"]
    assert changed_settings(settings(4), settings(4), YnatTask()) == []


def test_early_stopping_alone_makes_its_metric_and_evaluation_steps_part_of_a_finished_run():
    # the step it stopped at hangs on the metric and when it was evaluated, without --load_best_model_at_end too
    from trainers.run_folder import selection_settings

    stopping = training_arguments("out", do_train=True, early_stopping_patience=2, eval_strategy="steps",
                                  eval_steps=2.0, metric_for_best_model="eval_loss", greater_is_better=False)
    assert selection_settings(stopping) == {"metric_for_best_model": "eval_loss", "greater_is_better": False,
                                            "eval_strategy": "steps", "eval_steps": 2}
    assert selection_settings(training_arguments("out", do_train=True)) == {}


def test_a_saved_file_that_is_not_an_object_reads_as_nothing_saved(tmp_path):
    """A settings or results file holding JSON of another shape (a list, a number) is not ours: nothing to compare."""
    from trainers.run_folder import saved_mapping

    for text in ("[1, 2]", "3", "not json", '{"model": "klue/roberta-base"}'):
        (tmp_path / "saved.json").write_text(text, encoding="utf-8")
        assert saved_mapping(tmp_path / "saved.json") == ({"model": "klue/roberta-base"} if text.startswith("{")
                                                          else {})
    assert saved_mapping(tmp_path / "missing.json") == {}
