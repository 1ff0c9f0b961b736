"""Command lines read as argparse reads them, one-line parser errors, and the files flags name
(args/command_line.py)."""

from __future__ import annotations

import hashlib

import pytest

from args.command_line import EXIT_BAD_INPUT, OneLineErrorParser, file_sha1, given_flags, nearest_existing, same_file


def test_a_parser_mistake_is_one_line_naming_help_with_exit_status_2(capsys):
    parser = OneLineErrorParser(prog="tool")
    parser.add_argument("--num_train_epochs", type=int)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--num_train_epochs", "x"])
    assert stop.value.code == EXIT_BAD_INPUT == 2
    message = capsys.readouterr().err
    assert message.splitlines() == ["error: argument --num_train_epochs: invalid int value: 'x' (tool --help lists "
                                    "the flags)"]


def test_a_parser_takes_flags_by_their_whole_names_only(capsys):
    # argparse's default would read --num_train as --num_train_epochs; given_flags would not
    parser = OneLineErrorParser(prog="tool")
    parser.add_argument("--num_train_epochs", type=int)
    with pytest.raises(SystemExit):
        parser.parse_args(["--num_train", "5"])
    assert "unrecognized arguments: --num_train 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--eval-steps", "10"], {"eval_steps": "10"}),  # argparse takes both spellings as one flag
        (["--eval_steps=10"], {"eval_steps": "10"}),
        (["--eval_steps", "10", "--eval_steps", "20"], {"eval_steps": "20"}),  # the last value wins
        (["--do_train", "--eval_steps", "5"], {"do_train": None, "eval_steps": "5"}),  # a flag is no value
        (["--eval_steps", "5", "--do_train"], {"eval_steps": "5", "do_train": None}),  # nor is the end
        (["--output_dir="], {"output_dir": ""}),  # an empty value after '=', not the next word
        (["--output_dir=", "out"], {"output_dir": ""}),
        (["--run_name=a=b"], {"run_name": "a=b"}),  # only the first '=' ends the name
        (["configs/ner.json", "-v", "x", "--seed", "1"], {"seed": "1"}),  # words and one-dash flags are not flags
    ],
)
def test_given_flags_reads_names_and_last_values_as_argparse_does(flags, expected):
    assert given_flags(flags) == expected


def test_same_file_sees_through_links_and_other_spellings_of_existing_files(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("{}")
    (tmp_path / "link.json").symlink_to(target)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert same_file(target, tmp_path / "link.json")
    assert same_file("../results.json", target)
    (tmp_path / "hard.json").hardlink_to(target)  # one file under two names, which no path comparison sees
    assert same_file(tmp_path / "hard.json", target)
    assert not same_file(target, tmp_path / "sub")


def test_same_file_compares_paths_still_to_be_made_after_resolving_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    assert same_file("new/../out.csv", tmp_path / "out.csv")  # neither exists yet
    assert same_file("link/out.csv", tmp_path / "sub" / "out.csv")  # through a link to a folder
    assert not same_file("out.csv", tmp_path / "sub" / "out.csv")


def test_file_sha1_is_the_sha1_of_every_byte_of_a_file_longer_than_one_block(tmp_path):
    data = bytes(range(256)) * (3 * 4096 + 7)  # three blocks of 1 MiB and a part of a fourth
    path = tmp_path / "train.json"
    path.write_bytes(data)
    assert file_sha1(path) == hashlib.sha1(data).hexdigest()
    path.write_bytes(data[:-1] + b"x")  # an edit in the last block changes it
    assert file_sha1(path) != hashlib.sha1(data).hexdigest()
    path.write_bytes(b"")
    assert file_sha1(path) == hashlib.sha1(b"").hexdigest()


def test_nearest_existing_is_the_path_itself_or_the_nearest_folder_above_it(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "file").write_text("")
    assert nearest_existing(tmp_path / "a") == tmp_path / "a"
    assert nearest_existing(tmp_path / "a" / "file") == tmp_path / "a" / "file"  # a file, for the caller to refuse
    assert nearest_existing(tmp_path / "a" / "b" / "c") == tmp_path / "a"
    assert nearest_existing(tmp_path / "a" / "file" / "x") == tmp_path / "a" / "file"
