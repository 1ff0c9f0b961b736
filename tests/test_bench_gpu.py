"""bench/bench_gpu.py: the GPU throughput table of all eight tasks, run here as its tiny CPU version,
and bench/bench_data.py: the synthetic stand-ins for the dev sets that ../shared/klue lacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bench import bench_data, bench_gpu
from klue_data import get_task
from klue_data.sources import load_local
from smoke.data import WOS_ONTOLOGY
from tests.shared_data import require_shared

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "klue"
NO_DATA_DIR = "/nonexistent/klue"  # the synthetic data then use the smoke sentences as filler


def run_bench(argv: list[str]) -> int:
    """bench_gpu.main, leaving torch's thread count as it was (the tiny CPU version runs on one thread)."""
    threads = torch.get_num_threads()
    try:
        return bench_gpu.main(argv)
    finally:
        torch.set_num_threads(threads)


def test_gpu_benchmark_says_it_has_no_gpu_and_measures_every_task(tmp_path):
    """Every task gets a positive train samples/s in every setting and its ratio to the KLUE-baseline
    style row; the script default repeats the eager run (no CUDA: ``auto`` is off). Without
    ../shared/klue the four real-data tasks are skipped, saying so, and the other four still run."""
    out = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "bench_gpu.py"), "--data_dir", str(SHARED),
         "--settings", "KLUE-baseline", "eager", "script default", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No CUDA device: running the tiny CPU version" in done.stdout
    expected = bench_gpu.TASKS if SHARED.is_dir() else bench_data.SYNTHETIC_TASKS
    for task in set(bench_gpu.TASKS) - set(expected):
        assert f"{task}: {SHARED}" in done.stdout and "not found, skipped" in done.stdout
    table = out.read_text(encoding="utf-8")
    cells = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()
             if line.startswith("| ") and not line.startswith("| task")]
    assert sorted({row[0] for row in cells}) == sorted(expected)
    for task in expected:
        rows = [row for row in cells if row[0] == task]
        assert [row[1] for row in rows] == [bench_gpu.BASELINE, bench_gpu.EAGER, bench_gpu.BARE["fp32"],
                                            f"{bench_gpu.DEFAULT} = eager here"], task
        assert all(float(row[3].replace(",", "")) > 0 for row in rows), rows
        assert rows[0][4] == "1.00x" and all(re.fullmatch(r"\d+\.\d\dx", row[4]) for row in rows[1:]), rows
        assert rows[3][3:] == rows[1][3:]  # the script default is the eager run, not a second one
        assert rows[0][2] == "8 / 16"  # the tiny caps on the configs' batches
    assert "- mrc: synthetic (48 smoke questions" in table


def test_sizes_and_task_flags_come_from_the_configs(tmp_path):
    data = bench_data.TaskData("mrc", tmp_path / "x.json", "synthetic", [])
    mrc = bench_gpu.config_bench("mrc", data)
    assert (mrc.max_length, mrc.train_batch, mrc.eval_batch) == (510, 16, 64)
    flags = dict(zip(mrc.task_flags[::2], mrc.task_flags[1::2]))
    assert flags["--doc_stride"] == "128" and flags["--max_context_only"] == "true"
    assert "--learning_rate" not in flags  # training flags are the benchmark's, not the config's
    wos = bench_gpu.config_bench("wos", data)
    assert (wos.max_length, wos.train_batch, wos.eval_batch) == (510, 16, 16)


def test_a_failing_run_is_a_cell_that_says_why(tmp_path):
    bench = bench_gpu.config_bench("ynat", bench_data.task_data("ynat", NO_DATA_DIR, tmp_path, count=8))
    result = bench_gpu.run_script(bench, tmp_path / "no-model", tmp_path / "out", [], steps=1, warmup=0,
                                  max_eval=None)
    assert result["error"].startswith("exit 2: Could not load") and str(tmp_path / "no-model") in result["error"]
    ok = {"train": 50.0, "compile_steps": 0, "compile_seconds": 0.0, "eval": 80.0, "seconds": 1.0}
    bare = bench_gpu.BARE["fp32"]
    table = bench_gpu.throughput_table("head", [bench], [bench_gpu.BASELINE, bench_gpu.EAGER, bare],
                                       {("ynat", bench_gpu.BASELINE): {**ok, "train": 20.0},
                                        ("ynat", bench_gpu.EAGER): result, ("ynat", bare): ok}, {})
    assert f"| ynat | {bench_gpu.BASELINE} | 32 / 128 | 20 | 1.00x |" in table
    assert f"| ynat | {bench_gpu.EAGER} | 32 / 128 | exit 2: Could not load" in table
    assert f"| ynat | {bare} | 32 / 128 | 50 | 2.50x | 0 | 80 | 1 |" in table  # the rows after it stay


def _read(task: str, path: Path) -> list[dict]:
    return list(load_local(get_task(task), {"validation": str(path)})["validation"])


def test_synthetic_re_and_mrc_are_lengthened_after_the_labelled_text(tmp_path):
    """Filler goes after the sentence / context, so entity and answer offsets still point at their text."""
    re_data = bench_data.task_data("re", NO_DATA_DIR, tmp_path, count=40)
    examples = _read("re", re_data.path)
    assert len(examples) == 40
    for example in examples:
        for entity in (example["subject_entity"], example["object_entity"]):
            assert example["sentence"][entity["start_idx"] : entity["end_idx"] + 1] == entity["word"]
    assert 80 <= sum(len(e["sentence"]) for e in examples) / 40 <= 120  # KLUE-RE: ~100 characters

    mrc_data = bench_data.task_data("mrc", NO_DATA_DIR, tmp_path, count=10)
    document = json.loads(mrc_data.path.read_text(encoding="utf-8"))
    paragraphs = [p for article in document["data"] for p in article["paragraphs"]]
    assert sum(len(p["qas"]) for p in paragraphs) == 10 == len(_read("mrc", mrc_data.path))
    for paragraph in paragraphs:
        for qa in paragraph["qas"]:
            for answer in qa["answers"] + qa.get("plausible_answers", []):
                assert paragraph["context"][answer["answer_start"] :].startswith(answer["text"])
    assert 800 <= sum(len(p["context"]) for p in paragraphs) / len(paragraphs) <= 1200  # KLUE-MRC: ~1,000


def test_synthetic_ynat_titles_keep_their_topic_and_vary_in_length_around_real_titles(tmp_path):
    """Filler after each smoke title: the title still starts the text, and the lengths spread around the real
    titles' ~27 characters (the bare smoke titles all tokenize to one length)."""
    from smoke.data import ynat_records

    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path, count=60)
    examples = _read("ynat", data.path)
    bare = ynat_records(60, seed=7, split="dev")
    assert [e["label"] for e in examples] == [b["label"] for b in bare]
    assert all(e["title"].startswith(b["title"]) for e, b in zip(examples, bare))
    lengths = [len(e["title"]) for e in examples]
    assert 22 <= sum(lengths) / len(lengths) <= 32 and max(lengths) - min(lengths) >= 10


def test_synthetic_wos_dialogues_are_long_and_their_states_stay_right(tmp_path):
    """~7.5 user turns of ~40 characters; a state changes only at a turn that names its new values,
    and the filler in between names no slot value."""
    fallback = bench_data.task_data("wos", NO_DATA_DIR, tmp_path / "fallback", count=2)
    assert json.loads((fallback.path.parent / "ontology.json").read_text(encoding="utf-8")) == WOS_ONTOLOGY
    # filler sentences that name slot values ("한옥", "2") must never be used
    sentences = bench_data.filler_sentences(NO_DATA_DIR) + ["한옥 마을에서 하루를 보냈다.", "2시에 다시 만나요."] * 200
    data = bench_data.wos_file(tmp_path / "wos", 30, sentences, WOS_ONTOLOGY)
    dialogues = _read("wos", data.path)
    values = sorted({v for vs in WOS_ONTOLOGY.values() for v in vs[2:]}, key=len, reverse=True)
    user_turns = []
    for dialogue in dialogues:
        turns = [turn for turn in dialogue["dialogue"] if turn["role"] == "user"]
        assert 6 <= len(turns) <= 9
        user_turns += turns
        before: set[str] = set()
        for turn in turns:
            state = set(turn["state"])
            assert before <= state
            for item in state - before:
                assert item.rsplit("-", 1)[1] in turn["text"], (item, turn["text"])
            if state == before:
                assert not any(value in turn["text"] for value in values), turn["text"]
            before = state
    assert 6.5 <= len(user_turns) / len(dialogues) <= 8.5
    texts = [turn["text"] for dialogue in dialogues for turn in dialogue["dialogue"]]
    assert 30 <= sum(map(len, texts)) / len(texts) <= 55  # KLUE-WoS: ~40 characters an utterance


@pytest.mark.parametrize("task", bench_data.REAL_TASKS)
def test_real_tasks_read_the_shared_dev_files_in_place(task):
    shared = require_shared(SHARED)
    data = bench_data.task_data(task, shared, Path("/nonexistent-not-written"))
    assert data.path.is_relative_to(shared) and data.source == "real dev file" and data.texts


def test_learning_check_trains_and_scores_each_task_on_a_held_out_part(tmp_path, capsys):
    """``--learning``: per task, setting and seed, training on 80% of the task's file and the official
    metrics on the other 20% (tiny CPU version): NER on the real dev file, YNAT and MRC (articles) on
    synthetic ones."""
    shared = require_shared(SHARED / "v1.1")
    assert run_bench(["--learning", "eager", "--seeds", "1", "--learning_tasks", "ner", "ynat", "mrc",
                      "--data_dir", str(shared.parent), "--out", str(tmp_path / "learning.md")]) == 0
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ") and bench_gpu.EAGER in line]
    assert [row[0] for row in rows] == ["ner", "ynat", "mrc"] and all(row[2] == "1" for row in rows)
    expected = {"ner": ["entity_f1", "char_f1"], "ynat": ["macro_f1"], "mrc": ["exact_match", "rouge_w"]}
    for task, _, _, metrics, loss, samples, compiled, seconds in rows:
        scores = dict(part.rsplit(" ", 1) for part in metrics.split(" / "))
        assert list(scores) == expected[task] and all(0 <= float(v) <= 100 for v in scores.values())
        assert float(loss) > 0 and float(samples.replace(",", "")) > 0 and float(seconds) >= 0
        assert re.fullmatch(r"0|\d+ \(\d+\.\d\)", compiled), compiled
    assert (tmp_path / "learning.md").read_text().count(bench_gpu.EAGER) == 3


def test_learning_as_a_config_runs_the_users_config_on_the_benchmarks_model_and_data(tmp_path):
    """``--learning_config``: the task's config decides epochs, learning rate and checkpoints; the benchmark
    decides model, data, output and sizes, and nothing is predicted (no test file)."""
    from trainers.arguments import parse_arguments

    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path / "data", 20)
    bench = bench_gpu.config_bench("ynat", data)
    config = json.loads((REPO_ROOT / "configs" / "ynat.json").read_text())
    for as_config in (True, False):
        argv = bench_gpu.learning_argv(bench, tmp_path / "model", tmp_path / "out", 3, tmp_path / "train.json",
                                       tmp_path / "held-out.json", 2, as_config)
        model_args, data_args, training, _ = parse_arguments(bench_gpu.task_object("ynat"), argv)
        assert (model_args.model_name_or_path, training.output_dir) == (str(tmp_path / "model"), str(tmp_path / "out"))
        assert (data_args.train_file, data_args.validation_file) == (str(tmp_path / "train.json"),
                                                                     str(tmp_path / "held-out.json"))
        assert (training.do_train, training.do_eval, training.do_predict, training.seed) == (True, True, False, 3)
        assert training.report_to in ([], ["none"], "none")
        if as_config:
            assert training.num_train_epochs == config["num_train_epochs"] != 2
            assert training.load_best_model_at_end and training.save_strategy == "steps"
            assert training.eval_steps == config["eval_steps"] and training.warmup_steps == config["warmup_steps"]
        else:
            assert training.num_train_epochs == 2 and training.save_strategy == "no"
            assert not training.load_best_model_at_end


def test_learning_on_sized_synthetic_sets_with_the_config(tmp_path, capsys, monkeypatch):
    """``--learning_sizes TRAIN HELD_OUT --learning_config`` (the tiny CPU version: at most 64 trained on):
    the split is the sizes given, the run is the config's, and the table says both."""
    split, splits = bench_gpu.split_for_learning, []

    def counting_split(path: Path, folder: Path, train_fraction: float = 0.8) -> tuple[Path, Path]:
        train, held_out = split(path, folder, train_fraction)
        splits.append([len(json.loads(part.read_text(encoding="utf-8"))) for part in (train, held_out)])
        return train, held_out

    monkeypatch.setattr(bench_gpu, "split_for_learning", counting_split)
    assert run_bench(["--learning", "eager", "--seeds", "1", "--learning_tasks", "ynat", "--learning_sizes",
                      "30", "6", "--learning_config", "--data_dir", NO_DATA_DIR]) == 0
    out = capsys.readouterr().out
    assert "configs/<task>.json as a user runs it, on 30 synthetic examples, scored on 6 others" in out
    assert splits == [[30, 6]]
    row = next(line for line in out.splitlines() if line.startswith("| ynat |"))
    assert float(row.split("|")[4].split()[-1]) >= 0  # macro_f1 scored
    with pytest.raises(SystemExit):
        bench_gpu.main(["--learning", "eager", "--learning_tasks", "ner", "--learning_sizes", "30", "6"])
    assert "ner cannot be sized" in capsys.readouterr().err


def test_split_for_learning_keeps_each_format_and_every_example(tmp_path):
    tsv = tmp_path / "dev.tsv"
    tsv.write_text("## header\n## s1\ta\tO\n\n## s2\tb\tO\n\n## s3\tc\tO\n\n## s4\td\tO\n\n", encoding="utf-8")
    train, held_out = bench_gpu.split_for_learning(tsv, tmp_path / "tsv", 0.75)
    assert train.read_text().count("## s") == 3 and held_out.read_text() == "## s4\td\tO\n\n"
    mrc = tmp_path / "dev.json"
    mrc.write_text(json.dumps({"version": "v1", "data": [{"title": str(i)} for i in range(5)]}), encoding="utf-8")
    train, held_out = bench_gpu.split_for_learning(mrc, tmp_path / "json")
    assert json.loads(train.read_text()) == {"version": "v1", "data": [{"title": str(i)} for i in range(4)]}
    assert json.loads(held_out.read_text())["data"] == [{"title": "4"}]


def test_gpu_session_script_parses_and_names_an_unknown_part(tmp_path):
    """``bench/gpu_session.sh`` runs only on the device machine; here: its syntax, and a wrong part
    refused before anything is installed."""
    script = Path(bench_gpu.ROOT) / "bench" / "gpu_session.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    done = subprocess.run(["bash", str(script), "learnin", str(tmp_path)], capture_output=True, text=True,
                          cwd=bench_gpu.ROOT)
    assert done.returncode == 2 and done.stderr.strip() == "unknown part: learnin"


def _pad_ids(multiple: int):
    """A collator that pads ``input_ids`` to the batch's longest, rounded up to ``multiple``, with a mask."""
    def collate(features):
        longest = max(len(f["input_ids"]) for f in features)
        width = -(-longest // multiple) * multiple
        ids = torch.zeros(len(features), width, dtype=torch.long)
        mask = torch.zeros(len(features), width, dtype=torch.long)
        for row, feature in enumerate(features):
            ids[row, : len(feature["input_ids"])] = torch.tensor(feature["input_ids"])
            mask[row, : len(feature["input_ids"])] = 1
        return {"input_ids": ids, "attention_mask": mask}
    return collate


def test_batch_shapes_counts_each_padded_shape_once_and_the_padding_it_costs():
    """In file order, batches of 2 over lengths 3, 5 | 9, 17 | 30: longest 5, 17, 30. Exact lengths are three
    shapes (and a last batch of one); at multiples of 32 the two full batches share (2, 32)."""
    features = [{"input_ids": list(range(1, n + 1))} for n in (3, 5, 9, 17, 30)]
    shapes, padding = bench_gpu.batch_shapes(features, _pad_ids(1), batch_size=2, seed=None)
    assert shapes == 3 and padding == pytest.approx((2 * 5 + 2 * 17 + 30) / 64)
    shapes, padding = bench_gpu.batch_shapes(features, _pad_ids(32), batch_size=2, seed=None)
    assert shapes == 2 and padding == pytest.approx((2 * 32 + 2 * 32 + 32) / 64)
    # seeded random order: every length in one batch of 5 -> one shape whatever the order
    assert bench_gpu.batch_shapes(features, _pad_ids(1), batch_size=5, seed=3) == (1, pytest.approx(150 / 64))


def test_batch_shapes_trains_in_the_seeded_random_order_the_trainer_draws():
    """Training batches come in ``RandomSampler``'s order for the seed (a permutation from that generator), not in
    file order: here the two orders give different shape counts."""
    lengths = [1, 2, 3, 4, 5, 6] + [20] * 6
    features = [{"input_ids": [1] * n} for n in lengths]
    order = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(5)).tolist()
    expected = len({max(lengths[i] for i in order[at:at + 2]) for at in range(0, len(order), 2)})
    assert expected != 4  # file order: longest 2, 4, 6, 20 (three times)
    assert bench_gpu.batch_shapes(features, _pad_ids(1), batch_size=2, seed=5)[0] == expected
    assert bench_gpu.batch_shapes(features, _pad_ids(1), batch_size=2, seed=None)[0] == 4


def test_shapes_mode_counts_each_tasks_batches_per_multiple_without_a_gpu(tmp_path, capsys):
    """``--shapes``: a row per task and multiple, each task's own features and collator (NER on the real dev
    file, MRC windows on synthetic articles, WoS turns, whose slots the model is built from); coarser buckets
    never give more shapes, and cost more padding."""
    tasks = ["ner", "mrc", "wos"] if SHARED.is_dir() else ["mrc", "wos"]
    out = tmp_path / "shapes.md"
    assert bench_gpu.main(["--shapes", "1", "32", "128", "--tasks", *tasks, "--shape_examples", "40",
                           "--data_dir", str(SHARED), "--out", str(out)]) == 0
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in out.read_text().splitlines()
            if line.startswith("| ") and not line.startswith("| task")]
    assert [(row[0], row[1]) for row in rows] == [(task, m) for task in tasks for m in ("1", "32", "128")]
    for task in tasks:
        train, evaluation, padding = zip(*[(int(r[2]), int(r[3]), float(r[4])) for r in rows if r[0] == task])
        assert all(count >= 1 for count in train + evaluation), rows
        assert list(train) == sorted(train, reverse=True) and list(evaluation) == sorted(evaluation, reverse=True)
        assert padding[0] >= 1 and list(padding) == sorted(padding) and padding[-1] > padding[0], rows
    assert bench_gpu.main(["--shapes", "0"]) == 2 and "multiples are whole numbers" in capsys.readouterr().err


def test_settings_are_picked_by_name_as_the_gpu_session_names_them():
    """``bench/gpu_session.sh`` picks settings by substrings of their names: each part gets exactly its own."""
    assert bench_gpu.pick_settings(["eager (", "128-token buckets"]) == [bench_gpu.EAGER, bench_gpu.GRAPHS_128]
    assert bench_gpu.pick_settings(["eager (", "cuda_graphs on"]) == [bench_gpu.EAGER, bench_gpu.GRAPHS]
    assert bench_gpu.pick_settings(None) == list(bench_gpu.DEFAULT_SETTINGS)
    assert bench_gpu.SETTINGS[bench_gpu.GRAPHS_128][-2:] == ["--pad_to_multiple_of", "128"]
    session = (Path(bench_gpu.ROOT) / "bench" / "gpu_session.sh").read_text()
    assert '--learning "eager (" "128-token buckets"' in session
    # ynat_full: one setting per command, eager's time first (the mark the compiled run must beat)
    assert [bench_gpu.pick_settings([name]) for name in ("eager (", "cuda_graphs on")] == [[bench_gpu.EAGER],
                                                                                          [bench_gpu.GRAPHS]]
    assert 'for setting in "eager (" "cuda_graphs on"; do' in session


def _table_rows(table: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| task")]


def test_tf32_a_compiled_run_turns_on_does_not_reach_the_runs_after_it(tmp_path, monkeypatch):
    """``--learning`` runs eager seed 1, compiled seed 1, eager seed 2, ... in one process. A compiled setting's
    TrainingArguments (``torch_compile`` via ``runner.use_cuda_graphs``) turn TF32 on process-wide on an Ampere+
    GPU (transformers' ``enable_tf32``); faked here as on the H200. Every run must start with the process's own
    precision, the eager seed-2 run too."""
    import transformers.training_args

    from trainers import run_ynat, runner
    from trainers.arguments import parse_arguments

    monkeypatch.setattr(transformers.training_args, "is_torch_tf32_available", lambda: True)
    seen = []

    def main(task, argv):  # the run's argument handling as on a GPU; then it ends (exit 1: no result to read)
        seen.append(torch.backends.fp32_precision)
        _, data_args, training_args, _ = parse_arguments(task, [a for a in argv if a != "--use_cpu"])
        runner.use_cuda_graphs(task, data_args, training_args, True)
        return 1

    monkeypatch.setattr(run_ynat, "main", main)
    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path / "data", 20)
    bench = bench_gpu.config_bench("ynat", data)
    start = torch.backends.fp32_precision
    try:
        rows = bench_gpu.learning_check(tmp_path / "model", [bench], tmp_path, {
            name: bench_gpu.SETTINGS[name] for name in (bench_gpu.EAGER, bench_gpu.GRAPHS_128)}, [1, 2], 2)
        assert torch.backends.fp32_precision == start  # restored after the last run too
    finally:
        torch.backends.fp32_precision = start  # should the test fail: not into the other tests
    assert [row[3] for row in rows] == [{"error": "exit 1"}] * 4
    assert seen == [start] * 4 and start != "tf32"


def test_precision_settings_are_restored_whatever_a_run_set():
    before = bench_gpu.precision_settings()
    try:
        torch.backends.fp32_precision = "tf32"
        torch.backends.cudnn.conv.fp32_precision = "ieee"
        assert bench_gpu.precision_settings() != before
        bench_gpu._reset_compiler()
        assert bench_gpu.precision_settings() == before == bench_gpu.START_PRECISION
    finally:
        bench_gpu.restore_precision(before)


@pytest.fixture
def written_tables(monkeypatch) -> list[str]:
    """Every table bench_gpu writes, as it was when written (a run's row before the run and after it)."""
    tables = []
    write = bench_gpu.write_text

    def recording(path, fill):
        write(path, fill)
        tables.append(Path(path).read_text(encoding="utf-8"))

    monkeypatch.setattr(bench_gpu, "write_text", recording)
    return tables


def test_a_run_under_way_is_a_row_saying_since_when_and_the_batch_is_the_runs_own(tmp_path, written_tables, capsys):
    """Throughput: before each run ``--out`` holds a row saying it is running and since when, replaced by the
    result after it (a command its timeout kills keeps that row). The batch column is what the run parsed: the
    ``--per_device_eval_batch_size 32`` setting's 32, not the (tiny-capped) config's 16."""
    out = tmp_path / "table.md"
    assert run_bench(["--tasks", "ynat", "--settings", "eager (", "eval_batch_size 32", "--bare",
                      "--data_dir", NO_DATA_DIR, "--out", str(out)]) == 0
    rows = {row[1]: row for row in _table_rows(out.read_text())}
    eval32 = "--per_device_eval_batch_size 32 (no CUDA graphs)"
    assert rows[bench_gpu.EAGER][2] == "8 / 16" and rows[eval32][2] == "8 / 32"
    running = [_table_rows(table) for table in written_tables]
    for name in (bench_gpu.EAGER, eval32):  # each run: first written as running, then as its result
        states = [next(row[3] for row in table if row[1] == name) for table in running
                  if any(row[1] == name for row in table)]
        assert re.fullmatch(r"not ended: started \d+ s into the command.*", states[0]), states
        assert float(states[-1].replace(",", "")) > 0
    log = capsys.readouterr().out
    assert re.search(r"^ynat / eager: started \d+ s into the command$", log, re.M)
    assert re.search(r"^progress ynat / eager: step 1/4 took .* s into the command\]$", log, re.M)


def test_a_learning_run_under_way_shows_its_progress_and_a_finished_one_its_steady_rate(tmp_path, monkeypatch,
                                                                                         written_tables, capsys):
    """``--learning``: the running row carries the step clock's last line (every PROGRESS_EVERY steps: 4
    here), printed too; the finished row has the steady train samples/s and the compile steps besides the
    whole run's seconds."""
    monkeypatch.setattr(bench_gpu, "PROGRESS_EVERY", 4)
    out = tmp_path / "learning.md"
    assert run_bench(["--learning", "eager (", "--seeds", "1", "--learning_tasks", "ynat",
                      "--data_dir", NO_DATA_DIR, "--out", str(out)]) == 0
    cells = [row[3] for table in written_tables for row in _table_rows(table)]
    assert re.fullmatch(r"not ended: started \d+ s into the command", cells[0])
    assert any(re.fullmatch(r"not ended: started \d+ s into the command; at \d+ s: step 8/16 at .* s of training; "
                            r"median step .*", cell) for cell in cells), cells
    log = capsys.readouterr().out
    assert [int(n) for n in re.findall(r"^progress ynat / eager / seed 1: step (\d+)/16 at", log, re.M)] == [4, 8, 12,
                                                                                                           16]
    assert "train samples/s (steady) | compile steps (s) | seconds (whole run) |" in out.read_text()
    (row,) = _table_rows(out.read_text())
    assert float(row[5].replace(",", "")) > 0 and re.fullmatch(r"0|\d+ \(\d+\.\d\)", row[6]) and float(row[7]) >= 0


def test_step_clock_leaves_evaluations_out_and_says_where_a_run_is(monkeypatch):
    """Fake times: steps of 1 s, a 10 s step (compiling) and an interval holding an evaluation (20 s). The
    evaluation is neither training nor a compile step; the slow step is counted apart; the progress lines
    name the first step, every 2nd, the slow one, the evaluation and the end."""
    from types import SimpleNamespace

    from bench import step_clock

    now = [0.0]
    monkeypatch.setattr(step_clock.time, "perf_counter", lambda: now[0])
    lines = []
    clock = step_clock.StepClock(0, lines.append, every=2)
    state = SimpleNamespace(global_step=0, max_steps=6)
    clock.on_train_begin(None, state, None)
    for step, seconds in enumerate([1, 1, 10, 1, 1, 1]):
        state.global_step = step
        clock.on_step_begin(None, state, None)
        now[0] += seconds
        if step == 4:
            clock.on_evaluate(None, state, None)
            now[0] += 19
    clock.on_train_end(None, state, None)
    assert clock.skipped == {4}
    result = step_clock.throughput(clock.times, 0, batch_size=8, skipped=clock.skipped)
    assert result == {"train": pytest.approx(8.0), "compile_steps": 1, "compile_seconds": pytest.approx(10.0)}
    assert step_clock.throughput(clock.times, 0, batch_size=8)["compile_steps"] == 2  # the evaluation, unskipped
    assert [line.split(" ")[1] if line.startswith("step") else line.split(":")[0] for line in lines] == [
        "1/6", "2/6", "3/6", "4/6", "5/6:", "6/6", "training ended"]
    assert "took 10.00 s (over 3x the median 1.000 s)" in lines[2]
    assert lines[4] == "step 5/6: 20.0 s with an evaluation or a checkpoint"


def test_cuda_warm_up_comes_once_before_the_first_timed_run(tmp_path, monkeypatch):
    """Untimed CUDA warm-up before the first run of a process (a no-op without CUDA), in both modes; its
    body runs here on the CPU."""
    events = []
    monkeypatch.setattr(bench_gpu, "warm_up_cuda", lambda: events.append("warm-up"))
    fake = {"train": 1.0, "compile_steps": 0, "compile_seconds": 0.0, "eval": 1.0}
    monkeypatch.setattr(bench_gpu, "run_script", lambda *args, **kwargs: events.append("run") or dict(fake))
    monkeypatch.setattr(bench_gpu, "run_bare", lambda *args, **kwargs: events.append("run") or dict(fake))
    monkeypatch.setattr(bench_gpu, "learning_check", lambda *args, **kwargs: events.append("run") or [])
    assert run_bench(["--tasks", "ynat", "--settings", "KLUE", "eager (", "--data_dir", NO_DATA_DIR]) == 0
    assert events == ["warm-up", "run", "run", "run"]
    events.clear()
    assert run_bench(["--learning", "eager (", "--learning_tasks", "ynat", "--data_dir", NO_DATA_DIR]) == 0
    assert events == ["warm-up", "run"]
    monkeypatch.undo()
    assert bench_gpu.warm_up_cuda() is None  # no CUDA here: nothing done
    bench_gpu.warm_up(torch.device("cpu"))


def test_prepare_device_pins_every_wheel_to_the_venvs_version_and_replaces_the_folders(tmp_path):
    """``bench/prepare_device.sh`` (run on a copy, with a stand-in ``pip download``): every package asked for
    is pinned to the version installed here, and a wheel left from an earlier run (another dill) is gone, so
    the device's ``pip install --no-index`` never meets two versions of one package."""
    import importlib.metadata

    root = tmp_path / "repo"
    (root / "bench").mkdir(parents=True)
    (root / "bench" / "prepare_device.sh").write_text((REPO_ROOT / "bench" / "prepare_device.sh").read_text())
    (root / ".whl").mkdir()
    (root / ".whl" / "dill-0.0.1-py3-none-any.whl").write_text("stale")
    asked = tmp_path / "asked.txt"
    python = tmp_path / "python"
    python.write_text(f"""#!/usr/bin/env bash
if [[ $1 == -m && $2 == pip ]]; then
    shift 3; folder=""; pins=()
    while (( $# )); do
        case $1 in
            -d) folder=$2; shift 2 ;;
            --*=*|-q|--no-deps) shift ;;
            --*) shift 2 ;;
            *) pins+=("$1"); shift ;;
        esac
    done
    for pin in "${{pins[@]}}"; do
        echo "$pin" >> {asked}; touch "$folder/${{pin%%==*}}-${{pin##*==}}-py3-none-any.whl"
    done
    exit 0
fi
exec {sys.executable} "$@"
""")
    python.chmod(0o755)
    done = subprocess.run(["bash", str(root / "bench" / "prepare_device.sh")], capture_output=True, text=True,
                          env={**os.environ, "PYTHON": str(python), "KLUE_DATA": str(tmp_path / "no-klue")})
    assert done.returncode == 0, done.stderr
    pins = dict(line.partition("==")[::2] for line in asked.read_text().split())
    names = ["transformers", "datasets", "dill", "multiprocess", "peft", "accelerate", "psutil", "safetensors"]
    for name in names:
        assert pins[name] == importlib.metadata.version(name), name
    assert pins["bitsandbytes"]  # not in a CPU .venv: its own pinned version
    wheels = sorted(path.name for path in (root / ".whl").iterdir())
    assert wheels == sorted(f"{name}-{pins[name]}-py3-none-any.whl" for name in names[:4])
    assert len(list((root / ".whl-llm").iterdir())) == 5


def test_gpu_session_needs_a_time_limit_and_plans_the_short_call_first(tmp_path):
    """Each mode takes SECONDS (derived from the device time left), refusing none or under 150; the plan in its
    header and in prepare_device.sh's usage runs the short, bounded nli_ner before learning."""
    script = Path(bench_gpu.ROOT) / "bench" / "gpu_session.sh"
    for extra, said in (([], "SECONDS"), (["100"], "at least 150"), (["5m"], "at least 150")):
        done = subprocess.run(["bash", str(script), "nli_ner", str(tmp_path), *extra], capture_output=True,
                              text=True, cwd=bench_gpu.ROOT)
        assert done.returncode == 2 and said in done.stderr, (extra, done.stderr)
    for path in (script, Path(bench_gpu.ROOT) / "bench" / "prepare_device.sh"):
        plan = re.findall(r'bash bench/gpu_session\.sh (\w+) "\$OUT" (\d+)', path.read_text())
        assert [part for part, _ in plan[:2]] == ["nli_ner", "learning"], (path, plan)
        assert int(plan[0][1]) <= 240
    assert "3-4 minutes" not in script.read_text()


def test_the_docstring_names_the_configs_mrc_length():
    config = json.loads((REPO_ROOT / "configs" / "mrc.json").read_text())
    assert f"MRC {config['max_seq_length']} tokens" in bench_gpu.__doc__


# What a GPU session measures, checked here on made-up timings and results: a fake Trainer (only what
# ``clocked`` touches), the task scripts' ``main`` replaced, and ``torch.cuda`` faked where the GPU path is
# the one under test.


class _FakeTrainer:
    """What ``bench_gpu.clocked`` touches of a Trainer: built with its ``args``, takes callbacks."""

    def __init__(self, args) -> None:
        self.args, self.callbacks = args, []

    def add_callback(self, callback) -> None:
        self.callbacks.append(callback)

    def save_model(self, *args, **kwargs) -> None:
        raise AssertionError("a benchmark run saves no model")


def _fake_script(monkeypatch, durations: list[float], results: dict, evaluated_after: set[int] = frozenset(),
                 seen: list | None = None):
    """A task script's ``main`` that trains ``durations`` seconds a step (a fake clock) at train batch 4 with 2
    accumulation steps (8 samples a step) and eval batch 3, evaluates after the steps in ``evaluated_after``
    (10 s each), writes ``results`` as ``all_results.json`` and records its argv in ``seen``."""
    from types import SimpleNamespace

    from bench import step_clock

    now = [0.0]
    monkeypatch.setattr(step_clock.time, "perf_counter", lambda: now[0])
    monkeypatch.setattr(bench_gpu, "Trainer", _FakeTrainer)

    def main(task, argv):
        if seen is not None:
            seen.append(argv)
        trainer = _FakeTrainer(SimpleNamespace(per_device_train_batch_size=4, gradient_accumulation_steps=2,
                                               per_device_eval_batch_size=3))
        (clock,) = trainer.callbacks
        state = SimpleNamespace(global_step=0, max_steps=len(durations))
        clock.on_train_begin(None, state, None)
        for step, seconds in enumerate(durations):
            state.global_step = step
            clock.on_step_begin(None, state, None)
            now[0] += seconds
            if step in evaluated_after:
                clock.on_evaluate(None, state, None)
                now[0] += 10.0
        clock.on_train_end(None, state, None)
        out = Path(argv[argv.index("--output_dir") + 1])
        out.mkdir(parents=True, exist_ok=True)
        (out / "all_results.json").write_text(json.dumps(results))
        return 0

    return now, main


def _ynat(tmp_path: Path) -> bench_gpu.Bench:
    return bench_gpu.config_bench("ynat", bench_data.TaskData("ynat", tmp_path / "ynat.json", "synthetic", []))


def test_a_runs_train_samples_per_second_leave_out_its_warmup_steps_and_count_the_batch_it_parsed(tmp_path,
                                                                                                   monkeypatch):
    """2 warmup steps of 1 s, then 0.5 s steps and one of 4 s (compiling): 4 timed steps of 4 x 2 samples
    (the run's own batch and accumulation, not the config's 32) in 2 s: 16 samples/s. Eval samples/s is
    the script's ``eval_samples_per_second`` (prediction, decoding, scoring), not its steps/s."""
    from trainers import run_ynat

    _, main = _fake_script(monkeypatch, [1.0, 1.0, 0.5, 0.5, 4.0, 0.5, 0.5],
                           {"eval_samples_per_second": 250.0, "eval_steps_per_second": 2.5})
    monkeypatch.setattr(run_ynat, "main", main)
    result = bench_gpu.run_script(_ynat(tmp_path), tmp_path / "model", tmp_path / "out",
                                  bench_gpu.SETTINGS[bench_gpu.EAGER], steps=5, warmup=2, max_eval=None)
    assert result == {"train": pytest.approx(16.0), "compile_steps": 1, "compile_seconds": pytest.approx(4.0),
                      "eval": 250.0, "batch": "8 / 3"}


def test_a_run_synchronises_the_gpu_after_its_warmup_steps_not_before_them(tmp_path, monkeypatch):
    """On a GPU the host runs ahead of the kernels: the timed span starts with a sync after the warmup steps
    (at 2 s here) and ends with one after the last step (4 s)."""
    from trainers import run_ynat

    now, main = _fake_script(monkeypatch, [1.0, 1.0, 0.5, 0.5, 0.5, 0.5], {"eval_samples_per_second": 1.0})
    synced_at = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: synced_at.append(now[0]))
    monkeypatch.setattr(run_ynat, "main", main)
    result = bench_gpu.run_script(_ynat(tmp_path), tmp_path / "model", tmp_path / "out", [], steps=4, warmup=2,
                                  max_eval=None)
    assert synced_at == [2.0, 4.0] and result["train"] == pytest.approx(16.0)


def test_each_setting_starts_from_no_compiled_graphs_and_the_default_dynamo_settings(tmp_path, monkeypatch):
    """A compiled run leaves graphs, static shapes (``runner.compile_per_length_bucket``) and TF32 behind;
    the next setting must not inherit them."""
    import torch._dynamo

    from trainers import run_ynat

    resets = []
    monkeypatch.setattr(torch._dynamo, "reset", lambda: resets.append("reset"))
    start = torch.backends.fp32_precision

    def compiled_main(task, argv):
        torch._dynamo.config.automatic_dynamic_shapes = False
        torch.backends.fp32_precision = "tf32"
        return 1

    monkeypatch.setattr(run_ynat, "main", compiled_main)
    try:
        result = bench_gpu.run_script(_ynat(tmp_path), tmp_path / "model", tmp_path / "out", [], steps=2, warmup=1,
                                      max_eval=None)
        assert result == {"error": "exit 1"}
        assert resets == ["reset"] and torch._dynamo.config.automatic_dynamic_shapes
        assert torch.backends.fp32_precision == start != "tf32"
    finally:
        torch._dynamo.config.automatic_dynamic_shapes = True
        torch.backends.fp32_precision = start


def test_a_runs_flags_train_warmup_plus_timed_steps_on_as_many_batches_and_evaluate(tmp_path):
    """``script_argv``: 8 warmup + 30 timed steps on 38 batches of the config's 32 (no batch repeats,
    as in a real epoch), an evaluation of ``max_eval`` examples, no checkpoints; the bare loop's without one."""
    from trainers.arguments import parse_arguments

    bench = _ynat(tmp_path)
    argv = bench_gpu.script_argv(bench, tmp_path / "model", tmp_path / "out", steps=30, warmup=8, max_eval=2000)
    eager = bench_gpu.SETTINGS[bench_gpu.EAGER]
    _, data_args, training, _ = parse_arguments(bench_gpu.task_object("ynat"), argv + eager)
    assert (training.max_steps, data_args.max_train_samples, data_args.max_eval_samples) == (38, 38 * 32, 2000)
    assert training.do_train and training.do_eval and data_args.validation_file == str(bench.data.path)
    assert training.save_strategy == "no"
    argv = bench_gpu.script_argv(bench, tmp_path / "model", tmp_path / "out", 30, 8, None, evaluate=False)
    _, data_args, training, _ = parse_arguments(bench_gpu.task_object("ynat"), argv)
    assert not training.do_eval and data_args.max_eval_samples is None


def _effective(task_name: str, flags: list[str], tmp_path: Path) -> dict:
    """What a run with a setting's ``flags`` does on one GPU, as the task script resolves it."""
    from trainers import runner
    from trainers.arguments import parse_arguments

    bench = bench_gpu.config_bench(task_name, bench_data.TaskData(task_name, tmp_path / "x", "synthetic", []))
    argv = bench_gpu.script_argv(bench, tmp_path / "model", tmp_path / "out", 30, 8, 2000) + flags
    task = bench_gpu.task_object(task_name)
    _, data_args, training, _ = parse_arguments(task, argv)  # with --use_cpu: --bf16 parses on a CPU
    training.use_cpu = False  # as on the GPU, for --cuda_graphs
    training = runner.use_cuda_graphs(task, data_args, training, True)
    return {"pad_to_max_length": data_args.pad_to_max_length, "multiple": data_args.pad_to_multiple_of,
            "compile": training.torch_compile, "mode": training.torch_compile_mode,
            "backend": training.torch_compile_backend, "nan_check": training.logging_nan_inf_filter,
            "bf16": training.bf16, "sampling": training.train_sampling_strategy,
            "eval_batch": training.per_device_eval_batch_size}


def test_every_setting_applies_what_its_name_says(tmp_path):
    """Each setting's flags as the script resolves them on one GPU: the KLUE-baseline style pads to
    max_seq_length in eager fp32, eager pads dynamically, CUDA graphs are reduce-overhead on 32- or
    128-token buckets, and each optional setting changes its one thing."""
    eager = {"pad_to_max_length": False, "multiple": None, "compile": False, "mode": None, "backend": None,
             "nan_check": True, "bf16": False, "sampling": "random", "eval_batch": 128}
    compiled = {**eager, "compile": True, "backend": "inductor"}
    graphs = {**compiled, "multiple": 32, "mode": "reduce-overhead", "nan_check": False}
    expected = {
        bench_gpu.BASELINE: {**eager, "pad_to_max_length": True},
        bench_gpu.EAGER: eager,
        bench_gpu.DEFAULT: eager,  # YNAT is not a cuda_graphs_by_default task
        "--bf16": {**eager, "bf16": True},
        "--train_sampling_strategy group_by_length": {**eager, "sampling": "group_by_length"},
        "--torch_compile": compiled,
        "--pad_to_multiple_of 32 --torch_compile": {**compiled, "multiple": 32},
        "--pad_to_multiple_of 32, CUDA graphs (--torch_compile_mode reduce-overhead)": {
            **compiled, "multiple": 32, "mode": "reduce-overhead"},
        "--pad_to_multiple_of 32, CUDA graphs (--torch_compile_backend cudagraphs)": {
            **eager, "compile": True, "multiple": 32, "backend": "cudagraphs"},
        bench_gpu.GRAPHS: graphs,
        bench_gpu.GRAPHS_128: {**graphs, "multiple": 128},
        "--per_device_eval_batch_size 32 (no CUDA graphs)": {**eager, "eval_batch": 32},
        "--per_device_eval_batch_size 256 (no CUDA graphs)": {**eager, "eval_batch": 256},
    }
    assert list(expected) == list(bench_gpu.SETTINGS)
    for name, flags in bench_gpu.SETTINGS.items():
        assert _effective("ynat", flags, tmp_path) == expected[name], name
    assert _effective("nli", bench_gpu.SETTINGS[bench_gpu.DEFAULT], tmp_path)["mode"] == "reduce-overhead"
    # NLI is a cuda_graphs_by_default task: a setting that leaves --cuda_graphs at auto would compile there
    uncompiled = [bench_gpu.BASELINE, bench_gpu.EAGER, "--bf16", "--train_sampling_strategy group_by_length",
                  *(f"--per_device_eval_batch_size {size} (no CUDA graphs)" for size in (32, 256))]
    for name in uncompiled:
        assert not _effective("nli", bench_gpu.SETTINGS[name], tmp_path)["compile"], name
    assert bench_gpu.pick_settings(None) == [bench_gpu.BASELINE, bench_gpu.EAGER, bench_gpu.DEFAULT, bench_gpu.GRAPHS]


def test_the_script_default_row_repeats_the_run_the_script_itself_would_choose(tmp_path, monkeypatch):
    """On one GPU ``--cuda_graphs auto`` is ``on`` for the tasks marked ``cuda_graphs_by_default`` and ``off`` for
    the others: ``same_run`` must say the same as the script, task by task, or the default row shows another
    run's figures."""
    chosen = [bench_gpu.EAGER, bench_gpu.DEFAULT, bench_gpu.GRAPHS]
    script_graphs = {task: _effective(task, [], tmp_path)["compile"] for task in bench_gpu.TASKS}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    by_graphs = {}
    for task in bench_gpu.TASKS:
        bench = bench_gpu.config_bench(task, bench_data.TaskData(task, tmp_path / "x", "synthetic", []))
        repeats = bench_gpu.same_run(bench_gpu.DEFAULT, bench, chosen)
        assert repeats == (bench_gpu.GRAPHS if script_graphs[task] else bench_gpu.EAGER), task
        by_graphs[task] = repeats == bench_gpu.GRAPHS
        assert bench_gpu.same_run(bench_gpu.DEFAULT, bench, [bench_gpu.DEFAULT]) is None  # nothing to repeat
    assert sorted(task for task, graphs in by_graphs.items() if graphs) == ["ner", "nli"]


@pytest.fixture
def fake_gpu(tmp_path, monkeypatch) -> list[tuple]:
    """``bench_gpu.main`` as on one GPU with YNAT and NLI, every run recorded instead of run: ``("script", task,
    setting flags, steps, warmup, max_eval)`` or ``("bare", task, bf16)``; learning checks as ``("learning",
    tasks, settings, seeds, deadline)``."""
    calls: list[tuple] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")
    benches = {task: bench_gpu.config_bench(task, bench_data.TaskData(task, tmp_path / "x", "synthetic", []))
               for task in ("ynat", "nli", "ner", "mrc")}
    monkeypatch.setattr(bench_gpu, "make_benches", lambda tasks, *args: ([benches[t] for t in tasks if t in benches],
                                                                          {}))
    monkeypatch.setattr(bench_gpu, "build_model", lambda *args, **kwargs: tmp_path / "model")
    monkeypatch.setattr(bench_gpu, "warm_up_cuda", lambda: None)
    monkeypatch.setattr(bench_gpu, "_free_memory", lambda: None)
    figures = {"train": 100.0, "compile_steps": 0, "compile_seconds": 0.0, "eval": 200.0, "batch": "32 / 128"}

    def run_script(bench, model, out, flags, steps, warmup, max_eval, progress=None):
        calls.append(("script", bench.name, flags, steps, warmup, max_eval))
        return dict(figures, train=100.0 * len(calls))

    def run_bare(bench, model, out, steps, warmup, bf16):
        calls.append(("bare", bench.name, bf16))
        return dict(figures, eval=None)

    def learning_check(model, benches, work, settings, seeds, epochs, deadline=None, *args, **kwargs):
        calls.append(("learning", [b.name for b in benches], list(settings), seeds, deadline))
        return []

    monkeypatch.setattr(bench_gpu, "run_script", run_script)
    monkeypatch.setattr(bench_gpu, "run_bare", run_bare)
    monkeypatch.setattr(bench_gpu, "learning_check", learning_check)
    return calls


def test_on_a_gpu_each_setting_runs_once_setting_by_setting_at_the_steps_asked(fake_gpu, tmp_path):
    """The default settings and both bare loops: eager rows first, the bare loops after eager (fp32, then bf16
    autocast), CUDA graphs last; the script default runs nothing of its own (YNAT's is eager, NLI's CUDA
    graphs); nothing is shrunk to the CPU version."""
    out = tmp_path / "table.md"
    assert run_bench(["--tasks", "ynat", "nli", "--bare", "fp32", "bf16", "--steps", "30", "--warmup_steps", "8",
                      "--out", str(out)]) == 0
    baseline, eager, graphs = (bench_gpu.SETTINGS[name] for name in (bench_gpu.BASELINE, bench_gpu.EAGER,
                                                                    bench_gpu.GRAPHS))
    assert fake_gpu == [("script", "ynat", baseline, 30, 8, 2000), ("script", "nli", baseline, 30, 8, 2000),
                        ("script", "ynat", eager, 30, 8, 2000), ("script", "nli", eager, 30, 8, 2000),
                        ("bare", "ynat", False), ("bare", "nli", False), ("bare", "ynat", True), ("bare", "nli", True),
                        ("script", "ynat", graphs, 30, 8, 2000), ("script", "nli", graphs, 30, 8, 2000)]
    rows = {(row[0], row[1]): row for row in _table_rows(out.read_text())}
    assert rows[("ynat", f"{bench_gpu.DEFAULT} = eager here")][3:5] == ["300", "3.00x"]
    assert rows[("nli", f"{bench_gpu.DEFAULT} = --cuda_graphs on here")][3:5] == ["1,000", "5.00x"]
    assert "Device: Fake GPU" in out.read_text()


def test_with_the_budget_spent_no_run_starts_and_each_row_says_so(fake_gpu, tmp_path):
    out = tmp_path / "table.md"
    assert run_bench(["--tasks", "ynat", "--settings", "eager (", "--bare", "--budget_s", "0",
                      "--out", str(out)]) == 0
    assert fake_gpu == []
    assert [row[3] for row in _table_rows(out.read_text())] == [bench_gpu.SKIPPED]


def test_without_cuda_the_compiling_and_bf16_settings_are_left_out_and_runs_are_tiny(tmp_path, monkeypatch):
    """The tiny CPU version: no setting that compiles or needs bf16 on a GPU (they would fail here), 3 timed
    steps after 1, 8 evaluated examples."""
    calls = []
    monkeypatch.setattr(bench_gpu, "build_model", lambda *args, **kwargs: tmp_path / "model")
    monkeypatch.setattr(bench_gpu, "run_script", lambda bench, model, out, flags, *args, **kwargs: calls.append(
        (flags, *args[:3])) or {"train": 1.0, "compile_steps": 0, "compile_seconds": 0.0, "eval": 1.0, "batch": "-"})
    monkeypatch.setattr(bench_gpu, "run_bare", lambda bench, model, out, steps, warmup, bf16: calls.append(
        ("bare", bf16)) or {"train": 1.0, "compile_steps": 0, "compile_seconds": 0.0, "eval": None, "batch": "-"})
    assert run_bench(["--tasks", "ynat", "--settings", "eager (", "bf16", "torch_compile", "cuda_graphs on",
                      "--bare", "fp32", "bf16", "--data_dir", NO_DATA_DIR]) == 0
    assert calls == [(bench_gpu.SETTINGS[bench_gpu.EAGER], 3, 1, 8), ("bare", False)]


def _session_argv(part: str, out: Path) -> list[str]:
    """The bench_gpu.py arguments of a ``bench/gpu_session.sh`` mode (its shell arithmetic as 400 s)."""
    import shlex

    text = (REPO_ROOT / "bench" / "gpu_session.sh").read_text().replace("\\\n", " ")
    block = re.search(rf"\n    (?:\w+\|)*{part}(?:\|\w+)*\)\n(.*?);;", text, re.S).group(1)
    command = re.search(r"python3 bench/bench_gpu\.py (.*?) >", block).group(1)
    command = re.sub(r"\$\(\( left - \d+ \)\)", "400", command.replace("$tasks", "mrc")).replace("$out", str(out))
    return shlex.split(command)


def test_the_gpu_sessions_calls_run_what_they_say(fake_gpu, tmp_path):
    """``nli_ner``: NLI and NER, the KLUE-baseline style row (the ratios' base), eager, the bare loop and
    CUDA graphs; ``eval_batches``: eager and both other eval batches, no bare loop; ``learning``: MRC, eager
    against CUDA graphs on 128-token buckets, two seeds (seed noise)."""
    base, eager, graphs = (bench_gpu.SETTINGS[name] for name in (bench_gpu.BASELINE, bench_gpu.EAGER,
                                                                 bench_gpu.GRAPHS))
    assert run_bench(_session_argv("nli_ner", tmp_path)) == 0
    assert fake_gpu == [("script", "nli", base, 20, 5, 256), ("script", "ner", base, 20, 5, 256),
                        ("script", "nli", eager, 20, 5, 256), ("script", "ner", eager, 20, 5, 256),
                        ("bare", "nli", False), ("bare", "ner", False),
                        ("script", "nli", graphs, 20, 5, 256), ("script", "ner", graphs, 20, 5, 256)]
    fake_gpu.clear()
    assert run_bench(_session_argv("eval_batches", tmp_path)) == 0
    assert [(call[1], call[2][-1]) for call in fake_gpu] == [
        (task, size) for size in ("off", "32", "256") for task in ("ynat", "nli", "ner", "mrc")]
    fake_gpu.clear()
    assert run_bench(_session_argv("learning", tmp_path)) == 0
    ((_, tasks, settings, seeds, deadline),) = fake_gpu
    assert (tasks, settings, seeds) == (["mrc"], [bench_gpu.EAGER, bench_gpu.GRAPHS_128], [1, 2])
    assert deadline is not None


def test_learning_runs_each_seed_with_each_settings_flags_and_leaves_evaluations_out_of_the_rate(tmp_path,
                                                                                                  monkeypatch):
    """Per seed, each setting: its own ``--seed`` and flags; the steady train samples/s leaves out the
    interval that held an evaluation (a config's in-training evaluation, 10 s), which is no compile step."""
    from trainers import run_ynat

    seen: list[list[str]] = []
    _, main = _fake_script(monkeypatch, [1.0] * 6, {"eval_macro_f1": 0.5, "train_loss": 1.25},
                           evaluated_after={3}, seen=seen)
    monkeypatch.setattr(run_ynat, "main", main)
    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path / "data", 20)
    settings = {name: bench_gpu.SETTINGS[name] for name in (bench_gpu.EAGER, bench_gpu.GRAPHS_128)}
    rows = bench_gpu.learning_check(tmp_path / "model", [bench_gpu.config_bench("ynat", data)], tmp_path, settings,
                                    [1, 2], 2)
    assert [(name, seed) for _, name, seed, _ in rows] == [(bench_gpu.EAGER, 1), (bench_gpu.GRAPHS_128, 1),
                                                           (bench_gpu.EAGER, 2), (bench_gpu.GRAPHS_128, 2)]
    assert [argv[argv.index("--seed") + 1] for argv in seen] == ["1", "1", "2", "2"]
    assert [argv[-len(flags):] for argv, flags in zip(seen, [*settings.values()] * 2)] == [*settings.values()] * 2
    for *_, result in rows:
        assert result["metrics"] == {"macro_f1": 0.5} and result["train_loss"] == 1.25
        assert (result["train"], result["compile_steps"]) == (pytest.approx(8.0), 0)


def test_learning_with_its_budget_spent_starts_no_run(tmp_path, monkeypatch):
    from trainers import run_ynat

    monkeypatch.setattr(run_ynat, "main", lambda task, argv: pytest.fail("a run started after the deadline"))
    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path / "data", 20)
    rows = bench_gpu.learning_check(tmp_path / "model", [bench_gpu.config_bench("ynat", data)], tmp_path,
                                    {bench_gpu.EAGER: []}, [1, 2], 2, deadline=0.0)
    assert [result for *_, result in rows] == [{"error": bench_gpu.SKIPPED}] * 2


def test_learning_mode_passes_its_budget_on_as_a_deadline(fake_gpu):
    assert run_bench(["--learning", "eager (", "--learning_tasks", "ynat", "--budget_s", "60"]) == 0
    ((*_, deadline),) = fake_gpu
    assert deadline is not None


def test_the_bare_loop_times_the_eager_runs_shuffled_batches_after_its_warmup(tmp_path, monkeypatch):
    """The bare PyTorch loop trains on the eager setting's features (dynamic padding, not the KLUE-baseline
    style's max-length pads) in a shuffled order as the Trainer does, and times ``steps`` steps after
    ``warmup`` at the config's train batch: 5 step starts and the end of the last, the first 2 untimed."""
    data = bench_data.task_data("ynat", NO_DATA_DIR, tmp_path / "data", 48)
    bench = bench_gpu.config_bench("ynat", data)
    bench.train_batch = 8
    model = bench_gpu.build_model(tmp_path / "model", data.texts, tiny=True)
    seen, loaders = {}, []
    features, loader = bench_gpu.task_features, torch.utils.data.DataLoader

    def recording_features(bench, argv, *args):
        seen["argv"] = argv
        return features(bench, argv, *args)

    def recording_throughput(stamps, warmup, batch_size, skipped=frozenset()):
        seen["timing"] = (len(stamps), warmup, batch_size)
        return {"train": 1.0, "compile_steps": 0, "compile_seconds": 0.0}

    monkeypatch.setattr(bench_gpu, "task_features", recording_features)
    monkeypatch.setattr(bench_gpu, "throughput", recording_throughput)
    monkeypatch.setattr(torch.utils.data, "DataLoader", lambda *args, **kwargs: loaders.append(kwargs) or loader(
        *args, **kwargs))
    result = bench_gpu.bare_loop(bench, model, tmp_path / "out", steps=3, warmup=2, bf16=False)
    assert seen["timing"] == (6, 2, 8) and result["batch"] == "8 / -" and result["eval"] is None
    assert "--pad_to_max_length" not in seen["argv"] and seen["argv"][-2:] == ["--cuda_graphs", "off"]
    assert [(kwargs["batch_size"], kwargs["shuffle"]) for kwargs in loaders] == [(8, True)]
