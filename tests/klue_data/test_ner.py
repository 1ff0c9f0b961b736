"""klue_data.ner: the original character-per-line TSV, Hub-schema JSON and Hub rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest

from klue_data import KlueDataError, get_task, ner
from klue_data.labels import NER_HUB_TAGS, NER_TAGS
from klue_data.sources import find_original_files
from tests.shared_data import SHARED_KLUE, require_shared

KLUE = SHARED_KLUE
NER_DEV = KLUE / "v1.1" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.tsv"
NER_SAMPLES = KLUE / "samples" / "klue-ner-v1"
MARKUP = re.compile(r"<([^<>]+):([A-Z]{2})>")  # the word may hold ":" (times)

# the official comment block: five '##' lines, the last one with a real tab
COMMENTS = (
    "## 토큰, 레이블 구분자 : \\t\n## 토큰 구분자 : \\n\n## 문장 구분자 : \\n\\n\n"
    "## 주석 : ##\n## 컬럼명 : CHAR\tNE_TAG\n"
)


def plain(sentence: str) -> str:
    return MARKUP.sub(lambda match: match.group(1), sentence)


def block(guid: str, tagged: str) -> str:
    """A TSV sentence block built from KLUE markup, independently of the reader."""
    lines = [f"## {guid}\t{tagged}"]
    position = 0
    for match in MARKUP.finditer(tagged):
        lines += [f"{char}\tO" for char in tagged[position : match.start()]]
        word, kind = match.groups()
        lines += [f"{char}\t{'B' if i == 0 else 'I'}-{kind}" for i, char in enumerate(word)]
        position = match.end()
    lines += [f"{char}\tO" for char in tagged[position:]]
    return "\n".join(lines) + "\n\n"


def write(tmp_path: Path, text: str, name: str = "smoke-ner_dev.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def dev_examples():
    return ner.read_file(require_shared(NER_DEV))


def test_dev_file_every_sentence_parses(dev_examples):
    examples = dev_examples
    assert len(examples) == 5000
    assert len({example["guid"] for example in examples}) == 5000
    for example in examples:
        assert set(example) == {"guid", "sentence", "tokens", "ner_tags"}
        assert example["guid"].startswith("klue-ner-v1_dev_")
        assert len(example["tokens"]) == len(example["ner_tags"])
        assert set(example["ner_tags"]) <= set(NER_TAGS)
        assert all(len(token) == 1 for token in example["tokens"])
        assert "".join(example["tokens"]) == plain(example["sentence"])


def test_dev_file_tag_counts_match_the_raw_lines(dev_examples):
    # independent count: every "CHAR<TAB>TAG" line of the file, by tag
    raw = [
        line.rsplit("\t", 1)[1]
        for line in require_shared(NER_DEV).read_text(encoding="utf-8").split("\n")
        if "\t" in line and not line.startswith("##")
    ]
    tags = [tag for example in dev_examples for tag in example["ner_tags"]]
    assert len(tags) == len(raw)
    assert sorted(set(raw)) == sorted(set(tags))
    assert tags.count("B-PS") == raw.count("B-PS")


def test_samples_parse_and_spaces_are_tokens():
    for split in ("train", "dev"):
        examples = ner.read_file(require_shared(NER_SAMPLES / f"klue-ner-v1_{split}.tsv"))
        assert examples
        for example in examples[:-1]:
            assert "".join(example["tokens"]) == plain(example["sentence"])
            assert " " in example["tokens"]
        # the samples are cut after about 1 KB: the last sentence may stop early
        assert plain(examples[-1]["sentence"]).startswith("".join(examples[-1]["tokens"]))


# ---------------------------------------------------------------- made-up files


def test_reads_comments_headers_space_and_hash_lines(tmp_path):
    text = (
        COMMENTS
        + block("smoke-ner-00001", "<김하늘:PS>은 <부산:LC>에서 # 태그를 달았다.")
        + block("smoke-ner-00002", "<2024년:DT> 봄")
    )
    examples = ner.read_file(write(tmp_path, text))
    assert [example["guid"] for example in examples] == ["smoke-ner-00001", "smoke-ner-00002"]
    first = examples[0]
    assert first["sentence"] == "<김하늘:PS>은 <부산:LC>에서 # 태그를 달았다."
    assert "".join(first["tokens"]) == "김하늘은 부산에서 # 태그를 달았다."
    assert first["ner_tags"][:5] == ["B-PS", "I-PS", "I-PS", "O", "O"]
    assert first["tokens"][3:5] == ["은", " "]
    assert "#" in first["tokens"]  # a '#<TAB>O' line is a character, not a comment
    assert examples[1]["ner_tags"] == ["B-DT", "I-DT", "I-DT", "I-DT", "I-DT", "O", "O"]


def test_reads_files_without_comments_with_crlf_and_no_final_newline(tmp_path):
    text = block("smoke-ner-00001", "<서울:LC> 간다") + block("smoke-ner-00002", "좋다").rstrip("\n")
    path = tmp_path / "smoke.tsv"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    examples = ner.read_file(path)
    assert [e["tokens"] for e in examples] == [["서", "울", " ", "간", "다"], ["좋", "다"]]
    assert examples[0]["ner_tags"] == ["B-LC", "I-LC", "O", "O", "O"]


def test_tags_with_spaces_around_them_are_read_in_tsv_and_hub_files(tmp_path):
    tsv = write(tmp_path, "## smoke-ner-00001\t서울\n서\tB-LC \n울\tI-LC\t\n\n")
    assert ner.read_file(tsv)[0]["ner_tags"] == ["B-LC", "I-LC"]
    hub = tmp_path / "smoke-ner.jsonl"
    row = {"guid": "a", "sentence": "서울", "tokens": ["서", "울"], "ner_tags": ["B-LC ", " I-LC"]}
    hub.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    assert ner.read_file(hub)[0]["ner_tags"] == ["B-LC", "I-LC"]


def test_annotation_oddities_are_kept(tmp_path):
    # an I- with no B-, and a space tagged inside an entity: loaded, not repaired
    text = "## smoke-ner-00001\t<박 민수:PS>\n박\tI-PS\n \tI-PS\n민\tI-PS\n수\tI-PS\n\n"
    (example,) = ner.read_file(write(tmp_path, text))
    assert example["ner_tags"] == ["I-PS", "I-PS", "I-PS", "I-PS"]
    assert example["tokens"] == ["박", " ", "민", "수"]


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("## smoke-ner-00001\t가나\n가\tO\n나O\n\n", 3, "no tab"),
        ("## smoke-ner-00001\t가나\n가\tO\n나\tB-XX\n\n", 3, "'B-XX' is not one of the 13"),
        ("## smoke-ner-00001\t가\n가\tO\n\n나\tO\n\n", 4, "outside any sentence"),
        ("## smoke-ner-00001\t가\n가\tO\n\n## smoke-ner-00002 나\n나\tO\n\n", 4, "without a tab"),
    ],
)
def test_structural_damage_names_file_line_and_guid(tmp_path, body, line, fragment):
    path = write(tmp_path, body, "smoke-bad.tsv")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    message = str(caught.value)
    assert "smoke-bad.tsv" in message
    assert f"line {line}" in message
    assert fragment in message
    assert caught.value.line == line
    if line == 3:
        assert "smoke-ner-00001" in message


# ---------------------------------------------------------------- Hub schema


def test_hub_schema_json_lines_with_names_and_hub_ids(tmp_path):
    rows = [
        {
            "guid": "smoke-ner-00101",
            "sentence": "<이수진:PS> 씨",
            "tokens": list("이수진 씨"),
            "ner_tags": ["B-PS", "I-PS", "I-PS", "O", "O"],
        },
        # ids in the Hub's order: 6 = B-PS there (B-DT in the official order), 12 = O
        {"sentence": "<강:PS>", "tokens": ["강"], "ner_tags": [6]},
    ]
    path = tmp_path / "smoke-ner.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    first, second = ner.read_file(path)
    assert first["ner_tags"] == ["B-PS", "I-PS", "I-PS", "O", "O"]
    assert second["ner_tags"] == ["B-PS"]
    assert first["guid"] == "smoke-ner-00101"
    assert second["guid"] == "smoke-ner-00001"  # no guid: file stem + record index
    assert second["sentence"] == "<강:PS>"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"guid": "smoke-ner-00003", "tokens": ["가", "나"], "ner_tags": ["O"]}, "ner_tags"),
        ({"guid": "smoke-ner-00003", "tokens": ["가"], "ner_tags": [13]}, "ner_tags[0]"),
        ({"guid": "smoke-ner-00003", "tokens": ["가"], "ner_tags": ["B-ZZ"]}, "ner_tags[0]"),
        ({"guid": "smoke-ner-00003", "tokens": "가", "ner_tags": ["O"]}, "tokens"),
    ],
)
def test_hub_schema_errors_name_record_guid_and_field(tmp_path, row, field):
    path = tmp_path / "smoke-ner.json"
    path.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    assert "smoke-ner.json" in str(caught.value)
    assert "smoke-ner-00003" in str(caught.value)
    assert caught.value.field == field


def test_csv_with_lists_as_json_or_python_text_in_cells(tmp_path):
    path = tmp_path / "smoke-ner.csv"
    path.write_text(
        "guid,tokens,ner_tags\n"
        'smoke-ner-00201,"[""서"", ""울""]","[""B-LC"", ""I-LC""]"\n'
        "smoke-ner-00202,\"['강', ' ', '씨']\",\"['B-PS', 'O', 'O']\"\n",
        encoding="utf-8",
    )
    first, second = ner.read_file(path)
    assert first == {"guid": "smoke-ner-00201", "sentence": "서울", "tokens": ["서", "울"], "ner_tags": ["B-LC", "I-LC"]}
    assert second["tokens"] == ["강", " ", "씨"] and second["ner_tags"] == ["B-PS", "O", "O"]


def test_a_cell_that_is_not_a_list_names_record_and_field(tmp_path):
    path = tmp_path / "smoke-ner.csv"
    path.write_text("guid,tokens,ner_tags\nsmoke-ner-00203,서울,\"['B-LC', 'I-LC']\"\n", encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    assert "smoke-ner-00203" in str(caught.value) and caught.value.field == "tokens"


def test_sentences_in_klue_markup_alone_give_characters_and_tags(tmp_path):
    path = tmp_path / "smoke-ner.csv"
    path.write_text("guid,sentence\nsmoke-ner-00204,<서울 시청:OG>에서 <12:30:TI>에 만나\n", encoding="utf-8")
    (record,) = ner.read_file(path)
    assert "".join(record["tokens"]) == "서울 시청에서 12:30에 만나"
    assert record["ner_tags"][:6] == ["B-OG", "I-OG", "I-OG", "I-OG", "I-OG", "O"]
    assert record["ner_tags"][8:14] == ["B-TI", "I-TI", "I-TI", "I-TI", "I-TI", "O"]
    assert record["sentence"] == "<서울 시청:OG>에서 <12:30:TI>에 만나"


def test_text_without_tags_or_markup_is_read_as_unlabelled(tmp_path):
    plain_csv = tmp_path / "smoke-ner.csv"
    plain_csv.write_text("guid,sentence\nsmoke-ner-00301,서울에 간다\nsmoke-ner-00302,부산\n", encoding="utf-8")
    tokens_only = tmp_path / "smoke-ner.jsonl"
    tokens_only.write_text(json.dumps({"guid": "smoke-ner-00303", "tokens": list("강 씨")}, ensure_ascii=False),
                           encoding="utf-8")
    for path in (plain_csv, tokens_only):
        records = ner.read_file(path)
        assert all(record["ner_tags"] is None for record in records)
        assert records[0]["tokens"][0] in ("서", "강")


def test_in_a_marked_up_file_a_sentence_without_markup_has_no_entities(tmp_path):
    path = tmp_path / "smoke-ner.csv"
    path.write_text("guid,sentence\nsmoke-ner-00304,<서울:LC>에 간다\nsmoke-ner-00305,부산에 간다\n", encoding="utf-8")
    _, second = ner.read_file(path)
    assert second["ner_tags"] == ["O"] * len("부산에 간다")


def test_in_a_marked_up_file_markup_of_an_unknown_type_is_refused(tmp_path):
    path = tmp_path / "smoke-ner.csv"
    path.write_text("guid,sentence\nsmoke-ner-00304,<서울:LC>에 간다\nsmoke-ner-00305,<김철수:PER>가 왔다\n", encoding="utf-8")
    with pytest.raises(KlueDataError, match="'<김철수:PER>' reads as markup of an unknown type") as caught:
        ner.read_file(path)
    assert caught.value.guid == "smoke-ner-00305" and caught.value.field == "sentence"
    # in unlabelled text, angle brackets are text
    path.write_text("guid,sentence\nsmoke-ner-00306,<주의:HOT> 표시\n", encoding="utf-8")
    assert ner.read_file(path)[0]["tokens"] == list("<주의:HOT> 표시")


def test_mixing_labelled_and_unlabelled_records_is_an_error(tmp_path):
    path = tmp_path / "smoke-ner.jsonl"
    rows = [{"guid": "smoke-ner-00306", "tokens": ["강"], "ner_tags": ["B-PS"]},
            {"guid": "smoke-ner-00307", "tokens": ["강"]}]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    assert "smoke-ner-00307" in str(caught.value) and caught.value.field == "ner_tags"


def test_markup_gives_the_tsv_characters_and_tags_for_nearly_every_dev_sentence(dev_examples):
    differing = [
        example["guid"]
        for example in dev_examples
        if ner.tokens_from_markup(example["sentence"]) != (example["tokens"], example["ner_tags"])
    ]
    assert len(differing) <= 3, differing[:10]  # annotation oddities, e.g. a B- tag on a space


def test_from_hub_example_maps_hub_ids_to_names():
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(NER_HUB_TAGS))),
        }
    )
    hub = datasets.Dataset.from_list(
        [{"sentence": "<오늘:DT> <민지:PS>", "tokens": list("오늘 민지"), "ner_tags": [0, 1, 12, 6, 7]}],
        features=features,
    )
    example = ner.from_hub_example(hub[0], hub.features, "klue-ner-v1_validation_00000")
    assert example == {
        "guid": "klue-ner-v1_validation_00000",
        "sentence": "<오늘:DT> <민지:PS>",
        "tokens": ["오", "늘", " ", "민", "지"],
        "ner_tags": ["B-DT", "I-DT", "O", "B-PS", "I-PS"],
    }
    # the same ids read in the official order would be wrong: the orders differ
    assert [NER_TAGS[i] for i in (0, 1, 12, 6, 7)] != example["ner_tags"]


def test_registered_and_found_by_original_name(tmp_path):
    task = get_task("ner")
    assert task is ner
    assert task.LABELS == NER_TAGS and len(task.LABELS) == 13
    (tmp_path / "klue-ner-v1.1_dev.tsv").write_text(block("smoke-ner-00001", "가"), encoding="utf-8")
    assert find_original_files(task, tmp_path) == {"validation": tmp_path / "klue-ner-v1.1_dev.tsv"}


def test_non_space_positions():
    assert ner.non_space_positions(["가", " ", "나", " "]) == [0, 2]


# ---------------------------------------------------------------- tokens and guids


@pytest.mark.parametrize(
    ("tokens", "position", "fragment"),
    [
        (["서", "울", ""], 2, "an empty token"),  # crashed the aligner after the model ran
        (["서", "울", " 에"], 2, "token ' 에' mixes spaces with other characters"),  # scored inconsistently
        (["서", "울 "], 1, "token '울 ' mixes spaces"),
    ],
)
def test_an_empty_token_or_one_mixing_spaces_and_text_is_refused_naming_record_and_field(
    tmp_path, tokens, position, fragment
):
    path = tmp_path / "smoke-ner.jsonl"
    rows = [{"guid": "smoke-ner-00001", "tokens": list("가나"), "ner_tags": ["O", "O"]},
            {"guid": "smoke-ner-00002", "tokens": tokens, "ner_tags": ["O"] * len(tokens)}]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    assert caught.value.record == 1 and caught.value.field == f"tokens[{position}]"
    assert str(caught.value).startswith(f"{path}, record 1 (guid smoke-ner-00002), field 'tokens[{position}]': "
                                        f"{fragment}")


def test_a_tsv_character_mixing_a_space_and_text_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "## smoke-ner-00001\t서울 에\n서\tB-LC\n울\tI-LC\n 에\tO\n\n")
    with pytest.raises(KlueDataError, match="token ' 에' mixes spaces with other characters") as caught:
        ner.read_file(path)
    assert caught.value.line == 4 and caught.value.guid == "smoke-ner-00001"


def test_a_sentence_whose_characters_do_not_spell_its_header_is_warned_about(tmp_path, caplog):
    """A file cut short at a line end parses, but its last sentence lacks the characters its header holds."""
    whole = block("smoke-ner-00001", "<서울:LC>에 갔다") + block("smoke-ner-00002", "<김민준:PS>이 왔다")
    with caplog.at_level("WARNING", logger="klue_data.ner"):
        assert len(ner.read_file(write(tmp_path, whole))) == 2
    assert "do not spell" not in caplog.text
    cut = whole.rstrip("\n").rsplit("\n", 2)[0] + "\n"  # the last two character lines gone
    with caplog.at_level("WARNING", logger="klue_data.ner"):
        examples = ner.read_file(write(tmp_path, cut, "cut.tsv"))
    assert examples[1]["tokens"] == list("김민준이 ")
    assert ("cut.tsv: 1 sentence(s) whose character lines do not spell their '## guid<TAB>sentence' header (a "
            "file cut short, or edited by hand?); read as the character lines give them: smoke-ner-00002 (line 9)"
            in caplog.text)


def test_several_character_tokens_without_spaces_are_kept_with_a_warning(tmp_path, caplog):
    path = tmp_path / "smoke-ner.jsonl"
    path.write_text(json.dumps({"guid": "smoke-ner-00001", "tokens": ["서울", " ", "가"],
                                "ner_tags": ["B-LC", "O", "O"]}, ensure_ascii=False), encoding="utf-8")
    with caplog.at_level("WARNING", logger="klue_data.ner"):
        (example,) = ner.read_file(path)
    assert example["tokens"] == ["서울", " ", "가"]
    assert "1 token(s) hold more than one character (kept as one token): smoke-ner-00001 (token 0)" in caplog.text


def test_from_hub_example_refuses_an_empty_token():
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(NER_HUB_TAGS)))})
    row = {"sentence": "가", "tokens": ["가", ""], "ner_tags": [12, 12]}
    with pytest.raises(KlueDataError, match="an empty token") as caught:
        ner.from_hub_example(row, features, "smoke-ner-00007")
    assert caught.value.guid == "smoke-ner-00007" and caught.value.field == "tokens[1]"


@pytest.mark.parametrize("layout", ["tsv", "jsonl"])
def test_a_guid_used_twice_is_refused(tmp_path, layout):
    """Predictions are matched by guid: a repeated one is refused where it is read."""
    if layout == "tsv":
        path = write(tmp_path, block("smoke-ner-00001", "가") + block("smoke-ner-00001", "나"))
        expected = ("line 4, guid smoke-ner-00001, field 'guid': guid 'smoke-ner-00001' was already used by the "
                    "sentence at line 1")
    else:
        path = tmp_path / "smoke-ner.jsonl"
        path.write_text("\n".join(json.dumps({"guid": "smoke-ner-00001", "tokens": [char], "ner_tags": ["O"]},
                                             ensure_ascii=False) for char in "가나"), encoding="utf-8")
        expected = ("record 1 (guid smoke-ner-00001), field 'guid': guid 'smoke-ner-00001' was already used by "
                    "record 0")
    with pytest.raises(KlueDataError) as caught:
        ner.read_file(path)
    assert str(caught.value).startswith(f"{path}, {expected}")


def test_space_tokens_are_all_whitespace_tokens():
    assert [ner.is_space_token(token) for token in [" ", "\u3000", "  ", "가", "가나"]] == [True, True, True, False, False]
    assert ner.non_space_positions(["가", "\u3000", "  ", "나"]) == [0, 3]


@pytest.mark.parametrize("name, content", [
    ("ner.jsonl", '{"guid": "b", "tokens": ["강"], "ner_tags": ["O"]}\n{"guid": "a", "tokens": [], "ner_tags": []}\n'
                  '{"guid": "c", "tokens": [" ", " "], "ner_tags": ["O", "O"]}\n'),
    ("ner.tsv", "## b\t강\n강\tO\n\n## a\t\n\n## c\t \n \tO\n\n"),  # (a header first is a comment line)
])
def test_empty_sentences_are_read_and_warned_about_by_guid(name, content, tmp_path, caplog):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert [example["guid"] for example in ner.read_file(path)] == ["b", "a", "c"]
    assert "2 record(s) with an empty sentence (still predicted): a, c" in caplog.text


def test_a_hub_split_saved_by_datasets_to_csv_reads_back(tmp_path):
    # numpy's repr in the cells: tokens as ['서' '울' ...], ner_tags as Hub ids [ 4  5 12 ...] over several lines
    sentence = "서울 시청에서 오늘 오후 세 시에 시장을 만났다고 전했다 그리고 다시 돌아왔다"
    tags = [NER_HUB_TAGS.index("B-LC"), NER_HUB_TAGS.index("I-LC")] + [NER_HUB_TAGS.index("O")] * (len(sentence) - 2)
    rows = [{"sentence": sentence, "tokens": list(sentence), "ner_tags": tags}]
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=list(NER_HUB_TAGS)))})
    path = tmp_path / "dev.csv"
    datasets.Dataset.from_list(rows, features=features).to_csv(path)
    assert "\n" in path.read_text(encoding="utf-8").split("\n", 1)[1].strip()  # the ids' cell spans lines
    (record,) = ner.read_file(path)
    assert record["tokens"] == list(sentence) and record["ner_tags"][:3] == ["B-LC", "I-LC", "O"]


@pytest.mark.parametrize("slip", ["<부산:lc>", "<대구: LC>", "<김철수:PER>"])
def test_markup_slips_of_case_and_spacing_are_refused_too(tmp_path, slip):
    path = write(tmp_path, f"guid,sentence\nsmoke-ner-00304,<서울:LC>에 간다\nsmoke-ner-00305,{slip}에 왔다\n",
                 "smoke-ner.csv")
    with pytest.raises(KlueDataError, match=f"'{slip}' reads as markup of an unknown type") as caught:
        ner.read_file(path)
    assert caught.value.record == 1 and caught.value.field == "sentence"


@pytest.mark.parametrize(
    ("tags", "field"),
    [([12, -1], "ner_tags[1]"), ([True, 12], "ner_tags[0]"), (["O", 12.0], "ner_tags[1]")],
)
def test_a_tag_id_that_is_negative_or_not_an_integer_is_refused(tmp_path, tags, field):
    """-1 is the Hub's "no tag"; read as an index it would be the last tag, silently."""
    path = tmp_path / "smoke-ner.json"
    path.write_text(json.dumps([{"guid": "g", "tokens": ["가", "나"], "ner_tags": tags}]), encoding="utf-8")
    with pytest.raises(KlueDataError, match="neither one of the 13 KLUE NER tags nor a Hub tag id 0..12") as caught:
        ner.read_file(path)
    assert caught.value.field == field


def test_tokens_that_are_not_all_strings_are_refused_naming_the_field(tmp_path):
    path = tmp_path / "smoke-ner.json"
    path.write_text(json.dumps([{"guid": "g", "tokens": ["가", 3], "ner_tags": ["O", "O"]}]), encoding="utf-8")
    with pytest.raises(KlueDataError, match=r"expected a list of strings, got \['가', 3\]") as caught:
        ner.read_file(path)
    assert caught.value.field == "tokens"


def test_a_tsv_line_of_several_characters_is_kept_with_a_warning(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="klue_data.ner"):
        (example,) = ner.read_file(write(tmp_path, "## smoke-ner-00001\t서울에\n서울\tB-LC\n에\tO\n\n"))
    assert example["tokens"] == ["서울", "에"]
    assert "1 token line(s) hold more than one character (kept as one token): smoke-ner-00001 (line 2)" in caplog.text
