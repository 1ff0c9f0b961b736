"""Time every KLUE metric on inputs the size of the full dev sets.

    python bench/bench_metrics.py            # all metrics, plus the official seqeval call (~1 min)
    python bench/bench_metrics.py --quick    # skip the slow official seqeval call
    python bench/bench_metrics.py --wos      # only WoS, ours against the official code

Gold NER and DP come from the real dev files in ``../shared/klue`` when present (with
randomly perturbed predictions); everything else, and NER/DP without the files, is
synthetic with the dev sets' sizes. Prints a Markdown table of seconds per call (best of
``--repeat``), then WoS JGA and slot F1 against the official KLUE-baseline code (best of
``--rounds`` interleaved rounds), then, for NER, the official seqeval call on the same input
and whether the numbers agree.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import best_of, interleaved_best_of

import metrics

KLUE_DIR = ROOT / ".." / "shared" / "klue" / "v1.1"
NER_DEV = KLUE_DIR / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
DP_DEV = KLUE_DIR / "klue-dp-v1.1" / "klue-dp-v1.1_dev.tsv"
WOS_ONTOLOGY = KLUE_DIR / "wos-v1.1" / "ontology.json"
HANGUL = np.array([chr(c) for c in range(0xAC00, 0xAC00 + 400)])


def read_ner_dev(path: Path) -> list[list[str]]:
    """Per sentence, the tags of its non-space characters."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        char, tag = line.split("\t")
        if char != " ":
            current.append(tag)
    if current:
        sentences.append(current)
    return sentences


def read_dp_dev(path: Path) -> tuple[list[list[int]], list[list[str]]]:
    heads, labels = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("## klue"):
            heads.append([])
            labels.append([])
        elif line and not line.startswith("#"):
            columns = line.split("\t")
            heads[-1].append(int(columns[4]))
            labels[-1].append(columns[5])
    return heads, labels


def synthetic_ner(rng: np.random.Generator, n_sentences: int = 5000) -> list[list[str]]:
    sentences = []
    for _ in range(n_sentences):
        tags: list[str] = []
        length = int(rng.integers(20, 80))
        while len(tags) < length:
            if rng.random() < 0.15:
                kind = metrics.NER_ENTITY_TYPES[int(rng.integers(6))]
                tags += [f"B-{kind}"] + [f"I-{kind}"] * int(rng.integers(0, 5))
            else:
                tags.append("O")
        sentences.append(tags[:length])
    return sentences


def perturb_ner(rng: np.random.Generator, gold: list[list[str]], rate: float = 0.05) -> list[list[str]]:
    tags = np.array(metrics.NER_TAGS)
    out = []
    for sentence in gold:
        pred = np.array(sentence, dtype=object)
        flip = rng.random(len(sentence)) < rate
        pred[flip] = tags[rng.integers(0, 13, int(flip.sum()))]
        out.append(pred.tolist())
    return out


def synthetic_dp(rng: np.random.Generator, n_sentences: int = 2000) -> tuple[list[list[int]], list[list[str]]]:
    heads, labels = [], []
    for _ in range(n_sentences):
        n = int(rng.integers(3, 22))
        heads.append([int(rng.integers(i + 1, n + 1)) if i < n - 1 else 0 for i in range(n)])
        labels.append([metrics.DP_DEPREL_LABELS[int(rng.integers(20))] for _ in range(n)])
    return heads, labels


def perturb_dp(rng, heads, labels, rate=0.1):
    pred_heads, pred_labels = [], []
    for sentence_heads, sentence_labels in zip(heads, labels):
        n = len(sentence_heads)
        h = [int(rng.integers(0, n + 1)) if rng.random() < rate else x for x in sentence_heads]
        lab = [metrics.DP_DEPREL_LABELS[int(rng.integers(38))] if rng.random() < rate else x for x in sentence_labels]
        pred_heads.append(h)
        pred_labels.append(lab)
    return pred_heads, pred_labels


def synthetic_mrc(rng: np.random.Generator, n: int = 5841) -> tuple[list[str], list[list[str]], list[int]]:
    predictions, references, types = [], [], []
    for i in range(n):
        question_type = int(rng.integers(1, 4))
        types.append(question_type)
        if question_type == 3 and rng.random() < 0.9:
            references.append([])
        else:
            golds = []
            for _ in range(int(rng.integers(1, 4))):
                length = int(rng.integers(2, 300 if rng.random() < 0.02 else 25))
                golds.append("".join(rng.choice(HANGUL[:60], length)) + ("." if rng.random() < 0.2 else ""))
            references.append(golds)
        base = references[-1][0] if references[-1] else ""
        roll = rng.random()
        if roll < 0.4:
            predictions.append(base)
        elif roll < 0.8 and base:
            start = int(rng.integers(0, len(base)))
            predictions.append(base[start:] + "".join(rng.choice(HANGUL[:60], int(rng.integers(0, 5)))))
        else:
            predictions.append("".join(rng.choice(HANGUL[:60], int(rng.integers(0, 15)))))
    return predictions, references, types


def simple_wos(rng: np.random.Generator, n_dialogues: int = 1000) -> tuple[list[list[str]], list[list[str]]]:
    """The earlier synthetic WoS input (~7,000 turns of ~3 items; predictions share the gold
    string objects, which makes set operations cheap). Kept to compare with earlier timings, and
    because the inputs drawn after it from the same generator must stay those of the table."""
    domains = ["관광", "숙소", "식당", "지하철", "택시"]
    slots = [f"{d}-슬롯{j}" for d in domains for j in range(9)]
    gold, pred = [], []
    for _ in range(n_dialogues):
        state: list[str] = []
        for _ in range(int(rng.integers(4, 11))):
            if rng.random() < 0.7:
                state = state + [f"{slots[int(rng.integers(len(slots)))]}-값{int(rng.integers(20))}"]
            gold.append(list(state))
            guess = [item for item in state if rng.random() > 0.05]
            if rng.random() < 0.2:
                guess.append(f"{slots[int(rng.integers(len(slots)))]}-값{int(rng.integers(20))}")
            pred.append(guess)
    return pred, gold


def wos_ontology() -> dict[str, list[str]]:
    """Slot ("domain-slot") -> values: the real WoS ontology when present, else a made-up one."""
    if WOS_ONTOLOGY.exists():
        ontology = json.loads(WOS_ONTOLOGY.read_text(encoding="utf-8"))
        return {slot: [value for value in values if value != "none"] for slot, values in ontology.items()}
    domains = ["관광", "숙소", "식당", "지하철", "택시"]
    return {f"{d}-슬롯{j}": ["dontcare"] + [f"값{k}" for k in range(20)] for d in domains for j in range(9)}


def synthetic_wos(rng: np.random.Generator, n_dialogues: int = 1000) -> tuple[list[list[str]], list[list[str]]]:
    """WoS dev-like states, one per user turn (5-10 per dialogue: ~7,500 turns in all).

    Gold: a dialogue picks 1-3 domains; its first turn sets 3-6 of their slots, each later turn
    0-2 more (or changes a value), so states hold ~6 items (3-9 for most turns). Prediction: each
    slot right 90% of the time, else wrong value or missed; an extra slot in 8% of the turns.
    Gold items are in dialogue order, predicted ones in ontology order (how a model decodes
    them), and every string is its own object, as when both sides are read from JSON.
    """
    ontology = wos_ontology()
    order = {slot: i for i, slot in enumerate(ontology)}
    by_domain: dict[str, list[str]] = {}
    for slot in ontology:
        by_domain.setdefault(slot.split("-", 1)[0], []).append(slot)
    domains = list(by_domain)

    def value(slot: str) -> str:
        return ontology[slot][int(rng.integers(len(ontology[slot])))]

    gold, pred = [], []
    for _ in range(n_dialogues):
        chosen = rng.choice(len(domains), int(rng.integers(1, 4)), replace=False)
        slots = [slot for i in chosen for slot in by_domain[domains[i]]]
        state: dict[str, str] = {}
        guess: dict[str, str | None] = {}
        for turn in range(int(rng.integers(5, 11))):
            for _ in range(int(rng.integers(3, 7)) if turn == 0 else int(rng.integers(0, 3))):
                slot = slots[int(rng.integers(len(slots)))]
                state[slot] = value(slot)
                roll = rng.random()
                guess[slot] = state[slot] if roll < 0.9 else value(slot) if roll < 0.95 else None
            if rng.random() < 0.08:
                slot = slots[int(rng.integers(len(slots)))]
                guess[slot] = value(slot)
            gold.append([f"{slot}-{v}" for slot, v in state.items()])
            decoded = sorted((order[slot], slot, v) for slot, v in guess.items() if v is not None)
            pred.append(["-".join((slot, v)) for _, slot, v in decoded])
    return pred, gold


# The official KLUE-baseline WoS metrics (flat lists of turns are passed as one batch).
def official_wos_jga(pred_steps, trgt_steps):
    total, joint_goal_acc = 0, 0
    for pred_batch, trgt_batch in zip(pred_steps, trgt_steps):
        for pred, trgt in zip(pred_batch, trgt_batch):
            if set(pred) == set(trgt):
                joint_goal_acc += 1
            total += 1
    return joint_goal_acc / float(total) * 100


def official_compute_prf_for_wos(gold, pred):
    tp, fp, fn = 0, 0, 0
    if len(gold) != 0:
        count = 1
        for g in gold:
            if g in pred:
                tp += 1
            else:
                fn += 1
        for p in pred:
            if p not in gold:
                fp += 1
        precision = tp / float(tp + fp) if (tp + fp) != 0 else 0
        recall = tp / float(tp + fn) if (tp + fn) != 0 else 0
        F1 = 2 * precision * recall / float(precision + recall) if (precision + recall) != 0 else 0
    else:
        if len(pred) == 0:
            precision, recall, F1, count = 1, 1, 1, 1
        else:
            precision, recall, F1, count = 0, 0, 0, 1
    return F1, recall, precision, count


def official_wos_slot_micro_f1(pred_steps, trgt_steps):
    count, f1 = 0, 0
    for pred_batch, trgt_batch in zip(pred_steps, trgt_steps):
        for pred, trgt in zip(pred_batch, trgt_batch):
            curr_f1, _, _, curr_count = official_compute_prf_for_wos(gold=trgt, pred=pred)
            f1 += curr_f1
            count += curr_count
    return f1 / float(count) * 100


def wos_steps(pred: list[list[str]], gold: list[list[str]]) -> dict[str, Callable[[], object]]:
    return {
        "wos_jga": lambda: metrics.wos_jga(pred, gold),
        "official wos_jga": lambda: official_wos_jga([pred], [gold]),
        "wos_slot_f1": lambda: metrics.wos_slot_f1(pred, gold),
        "official wos_slot_micro_f1": lambda: official_wos_slot_micro_f1([pred], [gold]),
        # what the WoS task reports: both metrics, from one pass (ours) or the two official functions
        "wos_scores": lambda: tuple(metrics.wos_scores(pred, gold).values()),
        "official both": lambda: (official_wos_jga([pred], [gold]), official_wos_slot_micro_f1([pred], [gold])),
    }


def compare_wos(inputs: dict[str, tuple[list[list[str]], list[list[str]]]], rounds: int) -> None:
    """Ours against the official code, rounds interleaved; the values must be identical."""
    print()
    print(f"WoS against the official KLUE-baseline code (best of {rounds} interleaved rounds)")
    print()
    print("| input | metric | ours (ms) | official (ms) | speed vs official | identical value |")
    print("|---|---|---:|---:|---:|---|")
    for label, (pred, gold) in inputs.items():
        times, values = interleaved_best_of(rounds, wos_steps(pred, gold))
        size = f"{label}: {len(gold):,} turns, {sum(map(len, gold)) / len(gold):.1f} gold items a turn"
        for ours, official in (("wos_jga", "official wos_jga"), ("wos_slot_f1", "official wos_slot_micro_f1"),
                               ("wos_scores", "official both")):
            print(
                f"| {size} | `{ours}` | {times[ours] * 1e3:.2f} | {times[official] * 1e3:.2f} "
                f"| {times[official] / times[ours]:.2f}x | {values[ours] == values[official]} |",
                flush=True,
            )
            size = "same"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="calls per metric; the best time is reported")
    parser.add_argument("--quick", action="store_true", help="skip the official (quadratic) seqeval call")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds of the WoS comparison")
    parser.add_argument("--wos", action="store_true", help="only the WoS comparison with the official code")
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    ner_gold = read_ner_dev(NER_DEV) if NER_DEV.exists() else synthetic_ner(rng)
    ner_pred = perturb_ner(rng, ner_gold)
    dp_heads, dp_labels = read_dp_dev(DP_DEV) if DP_DEV.exists() else synthetic_dp(rng)
    dp_pred_heads, dp_pred_labels = perturb_dp(rng, dp_heads, dp_labels)
    mrc_pred, mrc_gold, mrc_types = synthetic_mrc(rng)
    simple_wos_input = simple_wos(rng)
    wos_pred, wos_gold = synthetic_wos(np.random.default_rng(0))
    wos_inputs = {"dev-like": (wos_pred, wos_gold), "earlier input (shared strings)": simple_wos_input}
    re_probs = rng.dirichlet(np.full(30, 0.3), 7765)
    re_gold = np.where(rng.random(7765) < 0.3, 0, rng.integers(1, 30, 7765))
    ynat_gold = rng.integers(0, 7, 9107)
    ynat_pred = np.where(rng.random(9107) < 0.85, ynat_gold, rng.integers(0, 7, 9107))
    nli_gold = rng.integers(0, 3, 3000)
    nli_pred = np.where(rng.random(3000) < 0.8, nli_gold, rng.integers(0, 3, 3000))
    sts_gold = rng.uniform(0, 5, 519)
    sts_pred = np.clip(sts_gold + rng.normal(0, 0.7, 519), 0, 5)
    n_chars = sum(map(len, ner_gold))
    n_words = sum(map(len, dp_heads))
    source = "real dev gold" if NER_DEV.exists() else "synthetic"
    wos_source = "synthetic, real ontology" if WOS_ONTOLOGY.exists() else "synthetic"

    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.processor() or platform.machine()}")
    if args.wos:
        compare_wos(wos_inputs, args.rounds)
        return

    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("ynat_macro_f1", "9,107 items", lambda: metrics.ynat_macro_f1(ynat_pred, ynat_gold)),
        ("nli_accuracy", "3,000 items", lambda: metrics.nli_accuracy(nli_pred, nli_gold)),
        ("sts_pearsonr", "519 pairs", lambda: metrics.sts_pearsonr(sts_pred, sts_gold)),
        ("sts_f1", "519 pairs", lambda: metrics.sts_f1(sts_pred, sts_gold)),
        (
            "ner_entity_f1",
            f"{len(ner_gold):,} sentences / {n_chars:,} chars ({source})",
            lambda: metrics.ner_entity_f1(ner_pred, ner_gold),
        ),
        ("ner_char_f1", "same", lambda: metrics.ner_char_f1(ner_pred, ner_gold)),
        ("ner_breakdown", "same", lambda: metrics.ner_breakdown(ner_pred, ner_gold)),
        ("re_micro_f1", "7,765 items", lambda: metrics.re_micro_f1(re_probs.argmax(1), re_gold)),
        ("re_auprc", "7,765 × 30 probabilities", lambda: metrics.re_auprc(re_probs, re_gold)),
        (
            "dp_uas",
            f"{len(dp_heads):,} sentences / {n_words:,} words ({source})",
            lambda: metrics.dp_uas(dp_pred_heads, dp_heads),
        ),
        ("dp_las", "same", lambda: metrics.dp_las(dp_pred_heads, dp_pred_labels, dp_heads, dp_labels)),
        ("mrc_exact_match", "5,841 questions (synthetic)", lambda: metrics.mrc_exact_match(mrc_pred, mrc_gold)),
        ("mrc_rouge_w", "same", lambda: metrics.mrc_rouge_w(mrc_pred, mrc_gold)),
        (
            "wos_jga",
            f"1,000 dialogues / {len(wos_gold):,} turns ({wos_source})",
            lambda: metrics.wos_jga(wos_pred, wos_gold),
        ),
        ("wos_slot_f1", "same", lambda: metrics.wos_slot_f1(wos_pred, wos_gold)),
    ]
    print()
    print("| metric | input | seconds | value |")
    print("|---|---|---:|---:|")
    for name, size, function in cases:
        seconds, value = best_of(args.repeat, function)
        shown = f"{value:.4f}" if isinstance(value, float) else "—"
        print(f"| `{name}` | {size} | {seconds:.4f} | {shown} |", flush=True)

    compare_wos(wos_inputs, args.rounds)
    if args.quick:
        return
    try:
        from seqeval.metrics import f1_score
        from seqeval.scheme import IOB2
    except ImportError:
        print("\n(seqeval not installed: official comparison skipped)")
        return
    ours = metrics.ner_entity_f1(ner_pred, ner_gold)
    # The official call: one sequence of every sentence wrapped in its [CLS]/[SEP]
    # positions, gold "O" there (we give the prediction "O" too).
    official_gold = [tag for sentence in ner_gold for tag in ["O", *sentence, "O"]]
    official_pred = [tag for sentence in ner_pred for tag in ["O", *sentence, "O"]]
    kwargs = {"average": "macro", "mode": "strict", "scheme": IOB2}
    seconds_sentences, per_sentence = best_of(1, lambda: f1_score(ner_gold, ner_pred, **kwargs) * 100)
    plain_gold = [tag for sentence in ner_gold for tag in sentence]
    plain_pred = [tag for sentence in ner_pred for tag in sentence]
    seconds_official, official = best_of(1, lambda: f1_score([official_gold], [official_pred], **kwargs) * 100)
    seconds_plain, plain = best_of(1, lambda: f1_score([plain_gold], [plain_pred], **kwargs) * 100)
    print()
    print("| entity F1 computed by | seconds | value | equals ours (1e-9) |")
    print("|---|---:|---:|---|")
    print(f"| `metrics.ner_entity_f1` | — | {ours:.6f} | — |")
    print(
        f"| seqeval, official: one sequence with [CLS]/[SEP] `O` around every sentence "
        f"| {seconds_official:.2f} | {official:.6f} | {abs(official - ours) < 1e-9} |"
    )
    print(
        f"| seqeval, list of sentences | {seconds_sentences:.2f} | {per_sentence:.6f} "
        f"| {abs(per_sentence - ours) < 1e-9} |"
    )
    print(
        f"| seqeval, sentences concatenated without separators | {seconds_plain:.2f} | {plain:.6f} "
        f"| {abs(plain - ours) < 1e-9} |"
    )
    # The official character F1 also counts each sentence's [CLS] and last position (gold O;
    # a trained model predicts O there): two extra right O characters per sentence.
    wrapped_gold = [["O", *sentence, "O"] for sentence in ner_gold]
    wrapped_pred = [["O", *sentence, "O"] for sentence in ner_pred]
    char_ours = metrics.ner_char_f1(ner_pred, ner_gold)
    char_wrapped = metrics.ner_char_f1(wrapped_pred, wrapped_gold)
    print()
    print(
        f"character F1 over the characters: {char_ours:.6f}; with the official [CLS]/[SEP] positions "
        f"counted as right O characters: {char_wrapped:.6f} (difference {char_wrapped - char_ours:+.6f})"
    )


if __name__ == "__main__":
    main()
