"""KLUE-DP cost: the parser head's share of a training step, and the time of tree decoding.

    python bench/bench_dp.py                     # tiny model on CPU, or roberta-base-sized on CUDA
    python bench/bench_dp.py --size base --steps 30 --out bench/DP.md

Offline: the encoder is random-init (``--size tiny``: 2 layers of 64; ``base``: 12 layers of 768,
as klue/roberta-base) with a WordPiece tokenizer trained here on the dev sentences; the data are the
real DP dev file (``--data_dir``, default ``../shared/klue``), through ``trainers/run_dp.py``'s own
preprocessing and collator, batch 32 (the config's). Measured:

- a training step (forward, backward, AdamW) of the whole parser, and of the encoder alone on the
  same batches (its output's mean square as the loss), after ``--warmup`` untimed steps; the head's
  share is ``1 - encoder / parser`` (word pooling, POS embedding, BiLSTM, biaffine arcs, bilinear
  relations and their losses);
- one pass of the parser over the dev file (eval mode, batch 64), then decoding every sentence's
  heads from its arc scores on the host, greedy (KLUE-baseline's) and maximum spanning tree
  (``algorithms/dp_tree.mst``, Chu-Liu-Edmonds), and how many greedy outputs are not trees.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from smoke.tiny_model import wordpiece_tokenizer  # noqa: E402

DEV_FILE = Path("v1.1") / "klue-dp-v1.1" / "klue-dp-v1.1_dev.tsv"
BATCH_SIZE, EVAL_BATCH_SIZE, MAX_LENGTH = 32, 64, 256
SIZES = {
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128),
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
}


def _sync(device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def build(dev: Path, size: str, device: torch.device):  # noqa: ANN201
    """The dev sentences as the DP script's features, a tokenizer trained on them, a parser."""
    from transformers import AutoModel, RobertaConfig

    from args import DataArguments, DpArguments
    from klue_data import dp as dp_data
    from models.dp_biaffine import DpBiaffineConfig, DpBiaffineModel
    from trainers import runner
    from trainers.run_dp import DpTask

    records = dp_data.read_file(dev)
    tokenizer = wordpiece_tokenizer((" ".join(r["word_form"]) for r in records),
                                    vocab_size=2000 if size == "tiny" else 32000, model_max_length=512)
    task = DpTask()
    task.use_options(DpArguments())
    examples = task.prepare_split(runner.datasets.Dataset.from_list(records), "dev")
    features = runner.tokenize_split(task, examples, tokenizer, MAX_LENGTH, DataArguments(max_seq_length=MAX_LENGTH),
                                     None, "dev")
    encoder_config = RobertaConfig(vocab_size=len(tokenizer), max_position_embeddings=512 + tokenizer.pad_token_id + 1,
                                   type_vocab_size=1, pad_token_id=tokenizer.pad_token_id, **SIZES[size])
    options = DpArguments()
    config = DpBiaffineConfig(pos_embedding_dim=options.pos_embedding_dim, lstm_hidden_size=options.lstm_hidden_size,
                              pad_token_id=tokenizer.pad_token_id, **task.config_overrides())
    model = DpBiaffineModel.from_encoder(AutoModel.from_config(encoder_config), config).to(device)
    collate = task.data_collator(tokenizer, None)
    return features, collate, model


def _batches(features, collate, batch_size: int, shuffle: bool):  # noqa: ANN001, ANN202
    keep = [c for c in features.column_names if c != "guid"]
    return torch.utils.data.DataLoader(features.select_columns(keep), batch_size=batch_size, shuffle=shuffle,
                                       collate_fn=collate, generator=torch.Generator().manual_seed(0))


def step_times(model, features, collate, device: torch.device, steps: int,  # noqa: ANN001
               warmup: int) -> dict[str, float]:
    """Seconds per training step of the parser and of its encoder alone, the same batches for both."""
    batches = []
    for batch in _batches(features, collate, BATCH_SIZE, shuffle=True):
        batches.append({key: value.to(device) for key, value in batch.items()})
        if len(batches) == steps + warmup:
            break

    def timed(loss_of) -> float:  # noqa: ANN001
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        model.train()
        start = None
        for index, batch in enumerate(batches):
            if index == warmup:
                start = _sync(device)
            loss_of(batch).backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return (_sync(device) - start) / (len(batches) - warmup)

    parser = timed(lambda batch: model(**batch).loss)
    encoder = timed(lambda batch: model.encoder(input_ids=batch["input_ids"],
                                                attention_mask=batch["attention_mask"])[0].float().pow(2).mean())
    return {"parser": parser, "encoder": encoder}


def decode_times(model, features, collate, device: torch.device) -> dict[str, float]:  # noqa: ANN001
    """The eval pass over the dev file, then greedy and MST decoding of every sentence on the host."""
    from algorithms import dp_tree

    model.eval()
    scores = []
    start = _sync(device)
    with torch.no_grad():
        for batch in _batches(features, collate, EVAL_BATCH_SIZE, shuffle=False):
            batch = {key: value.to(device) for key, value in batch.items()
                     if key not in ("head_labels", "deprel_labels")}
            arc = torch.log_softmax(model(**batch).arc_logits.float(), dim=-1).cpu().numpy()
            for row, n in enumerate((batch["word_first"] >= 0).sum(dim=1).tolist()):
                scores.append(arc[row, :n, : n + 1])
    forward = _sync(device) - start
    start = time.perf_counter()
    greedy = [dp_tree.greedy(s) for s in scores]
    greedy_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for s in scores:
        dp_tree.mst(s)
    mst_seconds = time.perf_counter() - start
    not_trees = sum(int((heads == 0).sum() != 1 or dp_tree._find_cycle(np.r_[0, heads]) is not None)
                    for heads in greedy)
    return {"forward": forward, "greedy": greedy_seconds, "mst": mst_seconds, "sentences": len(scores),
            "words": int(sum(len(s) for s in scores)), "greedy_not_trees": not_trees}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=str(ROOT.parent / "shared" / "klue"))
    parser.add_argument("--size", choices=sorted(SIZES), default=None,
                        help="encoder size (default: base on CUDA, tiny on CPU)")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--max_sentences", type=int, default=None, help="only the first N dev sentences")
    parser.add_argument("--out", default="", help="also write the table to this Markdown file")
    args = parser.parse_args(argv)

    dev = Path(args.data_dir) / DEV_FILE
    if not dev.is_file():
        print(f"bench_dp: {dev} not found (give --data_dir, the folder holding v1.1/klue-dp-v1.1/)", file=sys.stderr)
        return 2
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    size = args.size or ("base" if device.type == "cuda" else "tiny")
    torch.manual_seed(0)
    features, collate, model = build(dev, size, device)
    if args.max_sentences:
        features = features.select(range(min(args.max_sentences, len(features))))
    steps = step_times(model, features, collate, device, args.steps, args.warmup)
    decoded = decode_times(model, features, collate, device)
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    per_sentence = 1e3 / decoded["sentences"]
    lines = [
        f"Device: {name}; encoder {size} (random init); batch {BATCH_SIZE}, max_seq_length {MAX_LENGTH}; "
        f"{args.steps} timed steps after {args.warmup}; torch {torch.__version__}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| training step, whole parser (ms) | {steps['parser'] * 1e3:.1f} |",
        f"| training step, encoder alone (ms) | {steps['encoder'] * 1e3:.1f} |",
        f"| head's share of the step | {1 - steps['encoder'] / steps['parser']:.0%} |",
        f"| dev forward pass, {decoded['sentences']:,} sentences / {decoded['words']:,} words (s) "
        f"| {decoded['forward']:.2f} |",
        f"| greedy decoding of the dev set (s) | {decoded['greedy']:.3f} "
        f"({decoded['greedy'] * per_sentence:.3f} ms a sentence) |",
        f"| MST decoding of the dev set (s) | {decoded['mst']:.3f} "
        f"({decoded['mst'] * per_sentence:.3f} ms a sentence) |",
        f"| greedy outputs that are not trees (this untrained model) | {decoded['greedy_not_trees']:,} |",
    ]
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
