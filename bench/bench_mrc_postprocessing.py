"""Time MRC post-processing (window logits → one answer per question) at the KLUE-MRC dev set's size.

    python bench/bench_mrc_postprocessing.py
    python bench/bench_mrc_postprocessing.py --questions 5841 --windows_per_question 1.3 \
        --out bench/MRC_POSTPROCESSING.md

Synthetic inputs of realistic shape (no model, no real data): ``--questions`` questions, each with
1 to 3 windows (``--windows_per_question`` on average) of ``--seq_length`` tokens, the first 20
of them CLS, question and SEP, the last one SEP; random logits with a peak at a random context
span, and a dominant CLS (no answer) for a third of the questions.

Measured (best of ``--repeat`` rounds in which steps 1 and 2 take turns), per 1,000 questions:

1. ``MrcTask.reduce_logits`` over the eval batches (what evaluation adds per batch: the context
   mask read from the batch's input ids, then the top k; CPU).
2. ``MrcTask.decode``: reading the offsets from the features Dataset (Arrow) and ``decode_spans``
   (n-best over the top-k starts x top-k ends of every window, null score, answer text), with the
   default "max context" rule (``--max_context_only true``) and without it.
3. A naive baseline: the Hugging Face ``postprocess_qa_predictions`` loop (argsort of full
   logits, a Python loop over the k x k pairs of every window, no max-context rule) on
   ``--naive_questions`` questions, with the offsets already as Python lists (which favours it);
   its answers are compared with ``--max_context_only false`` decoding.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
from pathlib import Path
from types import SimpleNamespace

import datasets
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import best_of, interleaved_best_of

from args import MrcArguments
from trainers.run_mrc import MrcTask

QUESTION_TOKENS = 20
CHARS_PER_TOKEN = 2
EVAL_BATCH = 128
CLS_ID, SEP_ID, QUESTION_ID, CONTEXT_ID = 2, 3, 5, 6


def synthetic(questions: int, windows_per_question: float, seq_length: int, seed: int):
    """Examples, features (with ``offset_mapping``, ``example_index`` and ``window_start``), full
    logits, and the windows' input ids ([CLS] question [SEP] context [SEP])."""
    rng = np.random.default_rng(seed)
    # 1 window for most questions, 2 or 3 for long contexts, mean windows_per_question.
    extra = rng.random(questions) < (windows_per_question - 1.0) / 1.2
    counts = 1 + extra + (extra & (rng.random(questions) < 0.2))
    context_tokens = seq_length - QUESTION_TOKENS - 1
    example_index = np.repeat(np.arange(questions), counts)
    window_count = example_index.size

    token_chars = np.arange(context_tokens) * CHARS_PER_TOKEN
    offsets = []
    position_in_example = np.concatenate([np.arange(count) for count in counts])
    for position in position_in_example:
        base = position * (context_tokens // 2) * CHARS_PER_TOKEN  # windows overlap by half
        window = np.full((seq_length, 2), -1, dtype=np.int64)
        window[QUESTION_TOKENS:-1, 0] = base + token_chars
        window[QUESTION_TOKENS:-1, 1] = base + token_chars + CHARS_PER_TOKEN - 1
        offsets.append(window)
    context_length = (int(counts.max()) + 1) * context_tokens * CHARS_PER_TOKEN
    contexts = ["가" * context_length] * questions
    examples = datasets.Dataset.from_dict({"guid": [f"bench-{i:05d}" for i in range(questions)], "context": contexts})
    features = datasets.Dataset.from_dict(
        {
            "offset_mapping": [window.astype(np.int32).reshape(-1) for window in offsets],
            "example_index": example_index.tolist(),
            "window_start": (position_in_example * (context_tokens // 2)).tolist(),
        }
    )
    input_ids = np.full((window_count, seq_length), CONTEXT_ID, dtype=np.int64)
    input_ids[:, 0] = CLS_ID
    input_ids[:, 1 : QUESTION_TOKENS - 1] = QUESTION_ID
    input_ids[:, QUESTION_TOKENS - 1] = SEP_ID
    input_ids[:, -1] = SEP_ID

    start = rng.normal(0.0, 2.0, size=(window_count, seq_length)).astype(np.float32)
    end = rng.normal(0.0, 2.0, size=(window_count, seq_length)).astype(np.float32)
    peak = rng.integers(QUESTION_TOKENS, seq_length - 10, size=window_count)
    rows = np.arange(window_count)
    start[rows, peak] += 8.0
    end[rows, peak + rng.integers(0, 8, size=window_count)] += 8.0
    # About a third of KLUE-MRC dev questions are unanswerable: their CLS logits win in every window.
    unanswerable = rng.random(questions) < 1 / 3
    start[unanswerable[example_index], 0] += 12.0
    end[unanswerable[example_index], 0] += 12.0
    return examples, features, offsets, start, end, input_ids


def naive_postprocess(
    start, end, null_scores, example_index, offsets, contexts, n_best_size, max_answer_length, threshold
):
    """The Hugging Face ``utils_qa.postprocess_qa_predictions`` loop (version_2_with_negative), given
    logits already masked to the context as ``reduce_logits`` masks them, and the CLS scores."""
    windows_of: dict[int, list[int]] = {}
    for window, example in enumerate(example_index):
        windows_of.setdefault(int(example), []).append(window)
    answers = []
    for example, context in enumerate(contexts):
        candidates, null = [], None
        for window in windows_of.get(example, []):
            start_logits, end_logits, window_offsets = start[window], end[window], offsets[window]
            score = null_scores[window]
            null = score if null is None or score < null else null
            for i in np.argsort(start_logits)[-1 : -n_best_size - 1 : -1].tolist():
                for j in np.argsort(end_logits)[-1 : -n_best_size - 1 : -1].tolist():
                    if i >= len(window_offsets) or j >= len(window_offsets):
                        continue
                    if window_offsets[i][0] < 0 or window_offsets[j][0] < 0:
                        continue
                    if j < i or j - i + 1 > max_answer_length:
                        continue
                    candidates.append((start_logits[i] + end_logits[j], window_offsets[i][0], window_offsets[j][1]))
        candidates.sort(key=lambda candidate: -candidate[0])
        best = candidates[0] if candidates else None
        answers.append("" if best is None or null - best[0] > threshold else context[best[1] : best[2]])
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=5841)
    parser.add_argument("--windows_per_question", type=float, default=1.3)
    parser.add_argument("--seq_length", type=int, default=512)
    parser.add_argument("--n_best_size", type=int, default=20)
    parser.add_argument("--naive_questions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="Append a results section to this Markdown file.")
    args = parser.parse_args()

    examples, features, offsets, start, end, input_ids = synthetic(
        args.questions, args.windows_per_question, args.seq_length, args.seed
    )
    windows = len(features)
    task = MrcTask()
    task.use_options(MrcArguments(n_best_size=args.n_best_size))
    every_window = MrcTask()
    every_window.use_options(MrcArguments(n_best_size=args.n_best_size, max_context_only=False))
    tokenizer = SimpleNamespace(sep_token_id=SEP_ID)  # all reduce_logits reads of the tokenizer

    def reduce_batches():
        parts = []
        for low in range(0, windows, EVAL_BATCH):
            ids = torch.from_numpy(input_ids[low : low + EVAL_BATCH])
            inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
            logits = (torch.from_numpy(start[low : low + EVAL_BATCH]), torch.from_numpy(end[low : low + EVAL_BATCH]))
            parts.append(task.reduce_logits(logits, inputs, tokenizer))
        return tuple(torch.cat([part[field] for part in parts]).numpy() for field in range(5))

    reduced = reduce_batches()
    # The steps take turns within each round, so a slow stretch of a shared machine hits them alike.
    seconds, results = interleaved_best_of(
        args.repeat,
        {
            "reduce": reduce_batches,
            "decode": lambda: task.decode(examples, features, reduced),
            "plain": lambda: every_window.decode(examples, features, reduced),
        },
    )
    reduce_seconds, decode_seconds, plain_seconds = seconds["reduce"], seconds["decode"], seconds["plain"]
    decoded, plain = results["decode"], results["plain"]

    naive_count = min(args.naive_questions, args.questions)
    naive_windows = int(np.searchsorted(np.asarray(features["example_index"]), naive_count))
    offset_lists = [window.tolist() for window in offsets[:naive_windows]]
    context = input_ids[:naive_windows] == CONTEXT_ID
    naive_seconds, naive_answers = best_of(
        1,
        lambda: naive_postprocess(
            np.where(context, start[:naive_windows], -np.inf),
            np.where(context, end[:naive_windows], -np.inf),
            start[:naive_windows, 0] + end[:naive_windows, 0],
            features["example_index"][:naive_windows],
            offset_lists,
            examples["context"][:naive_count],
            args.n_best_size,
            30,
            0.0,
        ),
    )
    agree = sum(a == p.text for a, p in zip(naive_answers, plain[:naive_count])) / naive_count
    same_with_max_context = sum(a.text == p.text for a, p in zip(decoded, plain)) / args.questions

    per_1000 = 1000.0 / args.questions
    rows = [
        ("`MrcTask.reduce_logits` (context mask + top k) over eval batches of 128 (CPU)",
         reduce_seconds * per_1000 * 1000),
        ("`MrcTask.decode` (offsets from Arrow + `decode_spans`, max context)", decode_seconds * per_1000 * 1000),
        ("`MrcTask.decode`, `--max_context_only false`", plain_seconds * per_1000 * 1000),
        (f"naive HF-style loop ({naive_count} questions, scaled)", naive_seconds * 1000.0 / naive_count * 1000),
    ]
    answered = sum(1 for prediction in decoded if prediction.text)
    lines = [
        f"## Run of {datetime.date.today().isoformat()}",
        "",
        f"- Machine: {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}",
        f"- Input: {args.questions:,} questions, {windows:,} windows ({windows / args.questions:.2f} per "
        f"question), seq length {args.seq_length}, k = n_best_size = {args.n_best_size}, max_answer_length 30; "
        f"best of {args.repeat}",
        f"- Answered: {answered:,} of {args.questions:,}; {same_with_max_context:.1%} of the answers are the same "
        f"without the max-context rule, where the naive loop agrees on {agree:.1%} of its {naive_count} answers",
        "",
        "| step | ms per 1,000 questions |",
        "|---|---:|",
        *(f"| {name} | {ms:.1f} |" for name, ms in rows),
        "",
        f"Whole dev set: decode {decode_seconds * 1000:.0f} ms ({plain_seconds * 1000:.0f} ms without max context), "
        f"top-k reduction {reduce_seconds * 1000:.0f} ms; vectorised decode is {rows[3][1] / rows[1][1]:.0f}x faster "
        "than the loop.",
        "",
    ]
    print("\n".join(lines))
    if args.out is not None:
        if not args.out.exists():
            args.out.write_text(
                "# MRC post-processing benchmark\n\nProduced by `python bench/bench_mrc_postprocessing.py "
                "--out bench/MRC_POSTPROCESSING.md` (synthetic logits; see the script's docstring).\n\n",
                encoding="utf-8",
            )
        with args.out.open("a", encoding="utf-8") as stream:
            stream.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
