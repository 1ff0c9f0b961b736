"""Data for the GPU throughput benchmark (``bench/bench_gpu.py``): one train/eval file per KLUE task.

What is real and what is made up:

- NLI, NER, STS, DP: the real v1.1 dev files under ``--data_dir`` (``../shared/klue``), read in
  place; the same file is trained on and evaluated. (The tiny CPU version reads the first few
  examples, copied to its temporary folder and deleted with it; nothing is copied into the repository.)
- YNAT, RE, MRC, WoS (no dev file there): ``smoke/data.py``'s generators, written to the benchmark's
  temporary folder, sized like the real dev sets (``DEV_SIZES``) and lengthened to the real lengths
  (``TARGET_CHARS``) with filler sentences: the real NLI and NER dev sentences when present, else
  the smoke sentences. Filler goes where it changes no label: after a YNAT title (its template keeps
  the topic), after an RE sentence (entity offsets
  stay valid), after an MRC context (answer offsets stay valid), and as WoS talk that names no slot
  value (the dialogue states stay right). WoS uses the real ontology (45 slots: the generator
  decodes every slot) when present, else the smoke one (8 slots).

Throughput depends on the number and length of the inputs, not on what they say, which is why
made-up text of the right size stands in for the missing dev sets.
"""

from __future__ import annotations

import functools
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import klue_data
from smoke import data as smoke
from trainers.outputs import write_text

REAL_TASKS = ("sts", "nli", "ner", "dp")
SYNTHETIC_TASKS = ("ynat", "re", "mrc", "wos")
# Examples in the real dev sets (KLUE v1.1): YNAT titles, RE sentences, MRC questions, WoS dialogues.
DEV_SIZES = {"ynat": 9107, "re": 7765, "mrc": 5841, "wos": 1000}
# Mean lengths of the real dev data: RE sentence and MRC context (characters), WoS utterance
# (characters) and user turns per dialogue.
# Mean characters: RE sentence, MRC context, WoS utterance, YNAT title (the real samples' mean: 27).
TARGET_CHARS = {"re": 100, "mrc": 1000, "wos": 40, "ynat": 27}
WOS_USER_TURNS = 7.5
NER_MARKUP = re.compile(r"<([^<>:]+):[A-Z]{2,3}>")


@dataclass
class TaskData:
    """One task's benchmark file (trained on and evaluated) and where it came from."""

    task: str
    path: Path
    source: str  # "real dev file" or "synthetic (...)"
    texts: list[str]  # for the benchmark tokenizer


def real_dev_file(task: str, data_dir: str | Path) -> Path:
    """Where the v1.1 dev file of ``task`` lies under ``data_dir`` (``v1.1/<prefix>/<prefix>_dev<suffix>``)."""
    reader = klue_data.get_task(task)
    prefix = reader.FILE_PREFIXES[0]
    return Path(data_dir) / "v1.1" / prefix / f"{prefix}_dev{reader.FILE_SUFFIX}"


def real_texts(task: str, path: Path) -> list[str]:
    """The sentences of a real dev file (for the tokenizer and as filler)."""
    if task in ("nli", "sts"):
        first, second = ("premise", "hypothesis") if task == "nli" else ("sentence1", "sentence2")
        records = json.loads(path.read_text(encoding="utf-8"))
        return [text for record in records for text in (record[first], record[second])]
    # NER and DP: the "## guid<TAB>sentence" header of each sentence (NER's with <entity:TAG> markup)
    lines = path.read_text(encoding="utf-8").splitlines()
    headers = [line[3:].split("\t", 1) for line in lines if line.startswith("## ") and "\t" in line]
    # the comment lines at the top ("## 칼럼명 : INDEX<TAB>WORD_FORM...") are not sentences
    return [NER_MARKUP.sub(r"\1", sentence) for guid, sentence in headers if " : " not in guid]


@functools.lru_cache(maxsize=4)
def filler_sentences(data_dir: str | Path) -> list[str]:
    """The real NLI and NER dev sentences when ``data_dir`` has them, else the smoke sentences."""
    sentences: list[str] = []
    for task in ("nli", "ner"):
        path = real_dev_file(task, data_dir)
        if path.is_file():
            sentences += real_texts(task, path)
    if not sentences:
        sentences = [r[key] for r in smoke.nli_records(300, 1) for key in ("premise", "hypothesis")]
        sentences += [r[key] for r in smoke.sts_records(300, 2) for key in ("sentence1", "sentence2")]
    return list(dict.fromkeys(s.strip() for s in sentences if s.strip()))


class Filler:
    """Deterministic filler text: whole sentences drawn at random until a length is reached."""

    def __init__(self, sentences: list[str], seed: int) -> None:
        if not sentences:
            raise ValueError("no filler sentences")
        self.sentences, self.rng = sentences, random.Random(seed)

    def text(self, chars: int) -> str:
        """At least ``chars`` characters (none for ``chars`` <= 0) of sentences joined by spaces."""
        parts: list[str] = []
        while chars > 0 and sum(len(p) + 1 for p in parts) < chars:
            parts.append(self.rng.choice(self.sentences))
        return " ".join(parts)

    def around(self, mean: int) -> int:
        """A target length spread around ``mean`` (+-40%), as real lengths are."""
        return int(self.rng.uniform(0.6, 1.4) * mean)


def ynat_file(folder: Path, count: int, filler: Filler) -> TaskData:
    """Smoke titles (14-19 characters, all one token length) with filler after them to ~27 characters, spread
    as real titles are (until 2026-11-28 the benchmark's YNAT rows were the bare smoke titles)."""
    records = smoke.ynat_records(count, seed=7, split="dev")
    for record in records:
        rest = filler.around(TARGET_CHARS["ynat"]) - len(record["title"])
        if rest > 1:
            record["title"] = f"{record['title']} {filler.text(rest)}"[: len(record["title"]) + rest]
    path = _dump(folder / "ynat-v1.1_dev.json", records)
    mean = sum(len(r["title"]) for r in records) / len(records)
    return TaskData("ynat", path, f"synthetic ({count:,} smoke titles + filler, mean {mean:.0f} chars)",
                    [r["title"] for r in records])


def re_file(folder: Path, count: int, filler: Filler) -> TaskData:
    """Smoke RE sentences with filler appended to ~100 characters (offsets stay valid)."""
    records = smoke.re_records(count, seed=7, split="dev")
    for record in records:
        rest = filler.around(TARGET_CHARS["re"]) - len(record["sentence"])
        if rest > 0:
            record["sentence"] = f"{record['sentence']} {filler.text(rest)}"[: len(record["sentence"]) + 1 + rest]
    path = _dump(folder / "klue-re-v1.1_dev.json", records)
    mean = sum(len(r["sentence"]) for r in records) / len(records)
    return TaskData("re", path, f"synthetic ({count:,} smoke sentences + filler, mean {mean:.0f} chars)",
                    [r["sentence"] for r in records])


def mrc_file(folder: Path, count: int, filler: Filler) -> TaskData:
    """Smoke MRC paragraphs (4 questions each) with filler after each context to ~1,000 characters."""
    document = smoke.mrc_document(math.ceil(count / 4), seed=7, split="dev")
    paragraphs = [p for article in document["data"] for p in article["paragraphs"]]
    for paragraph in paragraphs:
        rest = filler.around(TARGET_CHARS["mrc"]) - len(paragraph["context"])
        if rest > 0:  # after the context: every answer_start still points at its answer
            paragraph["context"] = f"{paragraph['context']} {filler.text(rest)}"
    extra = 4 * len(paragraphs) - count
    if extra:
        paragraphs[-1]["qas"] = paragraphs[-1]["qas"][: 4 - extra]
    path = _dump(folder / "klue-mrc-v1.1_dev.json", document)
    mean = sum(len(p["context"]) for p in paragraphs) / len(paragraphs)
    texts = [p["context"] for p in paragraphs] + [qa["question"] for p in paragraphs for qa in p["qas"]]
    return TaskData("mrc", path, f"synthetic ({count:,} smoke questions, contexts + filler, mean {mean:.0f} chars)",
                    texts)


def wos_file(folder: Path, count: int, sentences: list[str], ontology: dict[str, list[str]], seed: int = 7) -> TaskData:
    """Smoke WoS dialogues stretched to ~7.5 user turns of ~40 characters each.

    The smoke turns that name slot values keep their states; turns of filler (sentences that name
    no value of ``ontology``) are spread among them and carry the state so far, and every utterance
    is lengthened with such filler, so each state is still exactly what the dialogue said."""
    values = sorted({v for vs in ontology.values() for v in vs if v not in ("none", "dontcare")}, key=len, reverse=True)
    named = re.compile("|".join(map(re.escape, values)) + r"|\d")
    clean = [s for s in sentences if not named.search(s)]
    filler = Filler(clean or ["네 그렇게 해 주세요."], seed)
    rng = random.Random(seed)
    target = TARGET_CHARS["wos"]
    records = smoke.wos_records(count, seed=seed, split="dev")
    user_turns = 0
    for record in records:
        said = [turn for turn in record["dialogue"] if turn["role"] == "user"]
        total = max(len(said), rng.choice([6, 7, 8, 9]))  # mean 7.5 user turns
        informative = sorted(rng.sample(range(total), len(said)))
        dialogue, state, next_said = [], [], 0
        for position in range(total):
            if next_said < len(said) and position == informative[next_said]:
                turn = said[next_said]
                next_said += 1
                state = turn["state"]
                text = _lengthen(turn["text"], filler, target)
            else:
                text = filler.text(filler.around(target))[: int(1.4 * target)]
            dialogue.append({"role": "user", "text": text, "state": list(state)})
            dialogue.append({"role": "sys", "text": _lengthen("네, 알겠습니다.", filler, target)})
        record["dialogue"] = dialogue
        user_turns += total
    path = _dump(folder / "wos-v1.1_dev.json", records)
    write_text(folder / "ontology.json", lambda stream: stream.write(json.dumps(ontology, ensure_ascii=False)))
    utterances = [turn["text"] for record in records for turn in record["dialogue"]]
    mean = sum(map(len, utterances)) / len(utterances)
    return TaskData("wos", path, f"synthetic ({count:,} smoke dialogues, {user_turns / count:.1f} user turns, "
                    f"utterances mean {mean:.0f} chars, {len(ontology)} slots)", utterances)


def _lengthen(text: str, filler: Filler, mean: int) -> str:
    rest = filler.around(mean) - len(text)
    return f"{text} {filler.text(rest)}"[: len(text) + 1 + rest] if rest > 0 else text


def _dump(path: Path, data: Any) -> Path:
    write_text(path, lambda stream: stream.write(json.dumps(data, ensure_ascii=False)))
    return path


def first_examples(task: str, path: Path, count: int, folder: Path) -> Path:
    """The first ``count`` examples of a real dev file, in its own format, in the (temporary)
    ``folder``: the tiny CPU version then parses 48 sentences per run instead of 5,000."""
    if path.suffix == ".json":
        return _dump(folder / path.name, json.loads(path.read_text(encoding="utf-8"))[:count])
    kept, headers = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        head = line.startswith("## ") and "\t" in line and " : " not in line.split("\t", 1)[0]
        headers += head
        if headers > count:
            break
        kept.append(line)
    write_text(folder / path.name, lambda stream: stream.write("\n".join(kept).rstrip("\n") + "\n\n"))
    return folder / path.name


def task_data(task: str, data_dir: str | Path, folder: Path, count: int | None = None,
              real_ontology: bool = True) -> TaskData | None:
    """The benchmark file of ``task``: the real dev file (None when ``data_dir`` lacks it; with
    ``count``, its first ``count`` examples copied under ``folder``) or a synthetic one written under
    ``folder`` with ``count`` examples (default: the real dev size). WoS uses the real ontology when
    there is one and ``real_ontology`` (False: the smoke one)."""
    if task in REAL_TASKS:
        path = real_dev_file(task, data_dir)
        if not path.is_file():
            return None
        source = "real dev file"
        if count:
            path, source = first_examples(task, path, count, folder / task), f"real dev file, first {count:,}"
        return TaskData(task, path, source, real_texts(task, path))
    count = count or DEV_SIZES[task]
    folder = folder / task
    sentences = filler_sentences(data_dir)
    if task == "ynat":
        return ynat_file(folder, count, Filler(sentences, seed=13))
    if task == "re":
        return re_file(folder, count, Filler(sentences, seed=11))
    if task == "mrc":
        return mrc_file(folder, count, Filler(sentences, seed=12))
    ontology_path = real_dev_file("wos", data_dir).parent / "ontology.json"
    real = real_ontology and ontology_path.is_file()
    ontology = json.loads(ontology_path.read_text(encoding="utf-8")) if real else smoke.WOS_ONTOLOGY
    return wos_file(folder, count, sentences, ontology)


def all_texts(items: list[TaskData]) -> Iterator[str]:
    for item in items:
        yield from item.texts
