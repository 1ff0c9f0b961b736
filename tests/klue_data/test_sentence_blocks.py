"""klue_data.sentence_blocks: the header, token lines and comment block layout KLUE's NER and DP TSV files share."""

from __future__ import annotations

import pytest

from klue_data import KlueDataError
from klue_data.sentence_blocks import read_sentence_blocks, sentence_blocks_with_guids


def write(tmp_path, text, name="blocks.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_single_hash_comment_line_at_the_top_is_a_comment(tmp_path):
    (block,) = read_sentence_blocks(write(tmp_path, "# made by hand\n## g-0\t가\n가\tO\n"))
    assert (block.guid, block.header_line, block.rows) == ("g-0", 2, [(3, "가\tO")])


def test_a_first_character_that_is_a_hash_is_a_token_line_not_a_comment(tmp_path):
    (block,) = read_sentence_blocks(write(tmp_path, "## 주석\n## g-0\t#가\n#\tO\n가\tO\n"))
    assert block.rows == [(3, "#\tO"), (4, "가\tO")]


def test_a_comment_then_a_blank_line_is_no_header_for_the_token_lines_after_it(tmp_path):
    with pytest.raises(KlueDataError, match=r"blocks.tsv, line 3: a token line outside any sentence"):
        read_sentence_blocks(write(tmp_path, "## g-0\t가\n\n가\tO\n"))


def test_a_line_of_spaces_between_sentences_separates_them(tmp_path):
    blocks = read_sentence_blocks(write(tmp_path, "## g-0\t가\n가\tO\n\n   \n## g-1\t나\n나\tO\n"))
    assert [(block.guid, block.rows) for block in blocks] == [("g-0", [(2, "가\tO")]), ("g-1", [(6, "나\tO")])]


def test_headers_without_a_guid_get_the_file_stem_and_0_based_position(tmp_path):
    pairs = sentence_blocks_with_guids(write(tmp_path, "##\t가\n가\tO\n\n## \t나\n나\tO\n", "my-dev.tsv"))
    assert [guid for guid, _ in pairs] == ["my-dev-00000", "my-dev-00001"]
