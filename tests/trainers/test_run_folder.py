"""What a run records of itself in --output_dir, so that a rerun or a resume can tell whether it is the same run."""

from __future__ import annotations

import hashlib

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
