"""Evaluation under CUDA graphs (--torch_compile_mode reduce-overhead): each batch's outputs are copied
out of the graph's memory before the next replay overwrites them.

CPU machines cannot replay CUDA graphs, so a model that writes every batch's logits into one reused
buffer stands in for one; on an H200 the real thing gave the eager predictions (bench/GPU_THROUGHPUT.md).
"""

from __future__ import annotations

import datasets
import numpy as np
import pytest
import torch
from transformers import TrainingArguments

from trainers import klue_trainer, runner


class OneBufferModel(torch.nn.Module):
    """Returns its logits in the same tensor every call, as a replayed CUDA graph does."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))
        self.buffer = torch.zeros(2, 3)

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        self.buffer.copy_(input_ids[:, :3].float() * self.weight)
        return {"logits": self.buffer}


@pytest.mark.parametrize(("mode", "backend", "expected"), [
    ("reduce-overhead", "inductor", True), ("max-autotune", "inductor", True), (None, "cudagraphs", True),
    ("default", "inductor", False), (None, None, False),
])
def test_which_compile_settings_replay_cuda_graphs(mode, backend, expected, tmp_path):
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, torch_compile=True, torch_compile_mode=mode,
                             torch_compile_backend=backend, report_to="none")
    assert klue_trainer.uses_cuda_graphs(args) is expected
    args.torch_compile = False
    assert klue_trainer.uses_cuda_graphs(args) is False


@pytest.mark.parametrize("graphs", [True, False])
def test_every_batch_keeps_its_own_outputs_when_the_graph_memory_is_reused(graphs, tmp_path, monkeypatch):
    monkeypatch.setattr(klue_trainer, "uses_cuda_graphs", lambda args: graphs)
    rows = np.arange(18).reshape(6, 3)
    dataset = datasets.Dataset.from_dict({"input_ids": rows.tolist()})
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, per_device_eval_batch_size=2, report_to="none",
                             disable_tqdm=True)
    trainer = klue_trainer.KlueTrainer(model=OneBufferModel(), args=args)
    predictions = trainer.predict(dataset).predictions
    if graphs:
        np.testing.assert_array_equal(predictions, rows)
    else:  # without the copy (eager models need none): later batches' outputs in earlier rows
        assert not np.array_equal(predictions, rows)


def _arguments(tmp_path, **training):
    from args import DataArguments, KlueTrainingArguments

    defaults = dict(output_dir=str(tmp_path), report_to="none", do_train=True)
    return DataArguments(), KlueTrainingArguments(**{**defaults, **training})


def test_auto_takes_the_cuda_graph_path_for_a_measured_task_training_on_one_gpu(tmp_path):
    from trainers.run_ner import NerTask

    data_args, training_args = _arguments(tmp_path)
    fast = runner.use_cuda_graphs(NerTask(), data_args, training_args, cuda_available=True)
    assert (fast.torch_compile, fast.torch_compile_mode, fast.torch_compile_backend) == (True, "reduce-overhead",
                                                                                         "inductor")
    assert fast.logging_nan_inf_filter is False and klue_trainer.uses_cuda_graphs(fast)
    assert data_args.pad_to_multiple_of == 32
    assert (fast.learning_rate, fast.do_train, fast.output_dir) == (training_args.learning_rate, True, str(tmp_path))


@pytest.mark.parametrize("case", ["no cuda", "unmeasured task", "predict only", "own compile", "off", "cpu flag"])
def test_auto_keeps_the_eager_path_everywhere_else(case, tmp_path):
    from trainers.run_ner import NerTask
    from trainers.run_ynat import YnatTask

    training = {"predict only": {"do_train": False}, "own compile": {"torch_compile": True},
                "off": {"cuda_graphs": "off"}, "cpu flag": {"use_cpu": True}}.get(case, {})
    data_args, training_args = _arguments(tmp_path, **training)
    task = YnatTask() if case == "unmeasured task" else NerTask()
    kept = runner.use_cuda_graphs(task, data_args, training_args, cuda_available=case != "no cuda")
    assert kept is training_args and data_args.pad_to_multiple_of is None
    assert kept.torch_compile_mode is None and kept.logging_nan_inf_filter is True


def test_on_keeps_a_padding_multiple_of_the_users_and_needs_cuda(tmp_path):
    from args import ArgumentsError
    from trainers.run_ynat import YnatTask

    data_args, training_args = _arguments(tmp_path, cuda_graphs="on")
    data_args.pad_to_multiple_of = 64
    fast = runner.use_cuda_graphs(YnatTask(), data_args, training_args, cuda_available=True)
    assert klue_trainer.uses_cuda_graphs(fast)
    assert data_args.pad_to_multiple_of == 64
    with pytest.raises(ArgumentsError, match="--cuda_graphs on: needs a CUDA GPU"):
        runner.use_cuda_graphs(YnatTask(), data_args, training_args, cuda_available=False)


def test_cuda_graphs_on_without_a_gpu_is_one_line(tiny_bert, tmp_path, capsys):
    from tests.synthetic import write_json, ynat_records
    from trainers.run_ynat import YnatTask

    dev = write_json(tmp_path / "dev.json", ynat_records(4, seed=1))
    status = runner.main(YnatTask(), ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"),
                                      "--test_file", str(dev), "--do_predict", "--cuda_graphs", "on", "--use_cpu",
                                      "--report_to", "none"])
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: --cuda_graphs on: needs a CUDA GPU, and this run has none (use auto or off)")


def test_fp16_on_the_cpu_is_one_line_not_a_run_in_fp32(tiny_bert, tmp_path, capsys):
    from tests.synthetic import write_json, ynat_records
    from trainers.run_ynat import YnatTask

    dev = write_json(tmp_path / "dev.json", ynat_records(4, seed=1))
    argv = ["--model_name_or_path", str(tiny_bert), "--output_dir", str(tmp_path / "out"), "--test_file", str(dev),
            "--do_predict", "--use_cpu", "--report_to", "none"]
    assert runner.main(YnatTask(), [*argv, "--fp16"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "error: --fp16: this run computes on the CPU, where fp16 mixed precision is not available")
    assert runner.main(YnatTask(), [*argv, "--bf16"]) == 0


def test_a_padding_multiple_under_torch_compile_compiles_one_static_graph_per_bucket(tmp_path, monkeypatch):
    import torch._dynamo

    monkeypatch.setattr(torch._dynamo.config, "automatic_dynamic_shapes", True)
    monkeypatch.setattr(torch._dynamo.config, "recompile_limit", 8)
    monkeypatch.setattr(torch._dynamo.config, "accumulated_recompile_limit", 256)
    data_args, training_args = _arguments(tmp_path)
    runner.compile_per_length_bucket(data_args, training_args, 128)  # no --torch_compile: nothing changes
    assert torch._dynamo.config.automatic_dynamic_shapes is True
    data_args.pad_to_multiple_of = 32
    training_args.torch_compile = True
    runner.compile_per_length_bucket(data_args, training_args, 128)
    # 4 lengths (32 ... 128), a training and an evaluation graph each, and a margin
    assert torch._dynamo.config.automatic_dynamic_shapes is False
    assert torch._dynamo.config.recompile_limit >= 2 * 4
