"""WoS throughput on a tiny model: training and evaluation examples (user turns) per second, and
where evaluation time goes (encoder, value generation, decoding ids to state strings).

    python bench/bench_wos.py [--dialogues 120] [--threads 1] [--output bench/WOS.md]

Runs ``trainers/run_wos.py``'s task through ``trainers.runner.main`` on made-up dialogues
(``tests/synthetic_wos.py``; never KLUE data) with a tiny BERT (hidden 64, 1 layer) built offline.
The encoder's forward calls are timed with hooks; generation is the rest of the model's forward
(the GRU decoder over all slots, in parallel); decoding is ``WosTask.decode`` (gates and
generated ids → ``domain-slot-value`` strings, known-value lookup and copied-span recovery).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from tests.synthetic_wos import wos_corpus, wos_dialogues, wos_ontology  # noqa: E402
from smoke.tiny_model import build_tiny_model  # noqa: E402
from trainers.outputs import write_json  # noqa: E402
from trainers.run_wos import WosTask  # noqa: E402
from trainers.runner import main  # noqa: E402


class TimedWosTask(WosTask):
    """WosTask that adds up the time of its decoding and of the model's encoder and whole forward."""

    def __init__(self) -> None:
        super().__init__()
        self.times = {"decode": 0.0, "encoder": 0.0, "forward": 0.0}

    def decode(self, examples, features, predictions):
        start = time.perf_counter()
        try:
            return super().decode(examples, features, predictions)
        finally:
            self.times["decode"] += time.perf_counter() - start

    def build_model(self, model_args, config):
        model = super().build_model(model_args, config)
        marks: dict[str, float] = {}

        def started(name):
            return lambda *_: marks.__setitem__(name, time.perf_counter())

        def ended(name):
            def hook(*_):
                if not torch.is_grad_enabled():  # evaluation only
                    self.times[name] += time.perf_counter() - marks[name]
            return hook

        model.encoder.register_forward_pre_hook(started("encoder"))
        model.encoder.register_forward_hook(ended("encoder"))
        model.register_forward_pre_hook(started("forward"))
        model.register_forward_hook(ended("forward"))
        return model


def tiny_model(directory: Path) -> Path:
    return build_tiny_model(directory, wos_corpus(), vocab_size=500, model_max_length=256, num_hidden_layers=1,
                            num_attention_heads=2, intermediate_size=128, max_position_embeddings=258)


def run(dialogues: int, batch_size: int, max_value_length: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = tiny_model(tmp / "model")
        data = tmp / "data"
        data.mkdir()
        (data / "wos-v1.1_train.json").write_text(json.dumps(wos_dialogues(dialogues, seed=1), ensure_ascii=False))
        (data / "wos-v1.1_dev.json").write_text(json.dumps(wos_dialogues(dialogues, seed=2), ensure_ascii=False))
        (data / "ontology.json").write_text(json.dumps(wos_ontology(), ensure_ascii=False))
        task = TimedWosTask()
        argv = ["--model_name_or_path", str(model), "--output_dir", str(tmp / "out"), "--data_dir", str(data),
                "--do_train", "--do_eval", "--num_train_epochs", "1", "--per_device_train_batch_size", str(batch_size),
                "--per_device_eval_batch_size", str(batch_size), "--max_value_length", str(max_value_length),
                "--save_strategy", "no", "--report_to", "none", "--use_cpu", "--disable_tqdm", "true",
                "--log_level", "warning", "--learning_rate", "1e-3"]
        if main(task, argv) != 0:
            raise SystemExit("the WoS run failed")
        train = json.loads((tmp / "out" / "train_results.json").read_text())
        evaluation = json.loads((tmp / "out" / "eval_results.json").read_text())
        eval_seconds = float(evaluation["eval_runtime"])
        # decode ran once per evaluation; the forward hooks saw every eval batch
        return {
            "user_turns_train": int(train["train_samples"]),
            "user_turns_eval": int(evaluation["eval_samples"]),
            "train_examples_per_s": float(train["train_samples_per_second"]),
            "eval_examples_per_s": float(evaluation["eval_samples_per_second"]),
            "eval_seconds": eval_seconds,
            "encoder_share": task.times["encoder"] / eval_seconds,
            "generation_share": (task.times["forward"] - task.times["encoder"]) / eval_seconds,
            "decode_share": task.times["decode"] / eval_seconds,
        }


def table(result: dict[str, float], args: argparse.Namespace) -> str:
    rows = [
        ("user turns (train / eval)", f"{result['user_turns_train']} / {result['user_turns_eval']}"),
        ("training, examples (user turns) per second", f"{result['train_examples_per_s']:.1f}"),
        ("evaluation, examples per second", f"{result['eval_examples_per_s']:.1f}"),
        ("evaluation time", f"{result['eval_seconds']:.2f} s"),
        ("  share in the encoder", f"{result['encoder_share']:.0%}"),
        ("  share in value generation (GRU decoder, all slots)", f"{result['generation_share']:.0%}"),
        ("  share in decoding to state strings (WosTask.decode)", f"{result['decode_share']:.0%}"),
    ]
    head = (f"Tiny BERT (hidden 64, 1 layer), {args.dialogues} made-up dialogues per split, 15 slots, batch "
            f"{args.batch_size}, --max_value_length {args.max_value_length}, {args.threads} torch thread(s), CPU "
            f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores).")
    lines = [head, "", "| measure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dialogues", type=int, default=120)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--max_value_length", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: steady on a shared 2-core machine)")
    parser.add_argument("--output", type=Path, default=None, help="also write the table (markdown) here")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON here")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    torch.set_num_threads(arguments.threads)
    measured = run(arguments.dialogues, arguments.batch_size, arguments.max_value_length)
    text = table(measured, arguments)
    print(text)
    if arguments.output:
        arguments.output.write_text("# WoS throughput (`python bench/bench_wos.py`)\n\n" + text, encoding="utf-8")
    if arguments.json:
        write_json(arguments.json, measured)
