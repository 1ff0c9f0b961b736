"""Project-level conventions a fresh clone relies on."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_expression_so_install_prints_no_deprecation_warning():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"  # a TOML table ({text = ...}) is deprecated in setuptools


def test_missing_shared_data_is_skipped_with_one_wording():
    """Tests skip through tests/shared_data.require_shared (or the conftest fixture), never with a message of
    their own."""
    own = [path.relative_to(REPO_ROOT) for path in (REPO_ROOT / "tests").rglob("*.py")
           if path.name not in ("shared_data.py", "conftest.py") and re.search(r"pytest\.skip\(", path.read_text())]
    assert own == []


def test_run_outputs_are_written_through_the_atomic_writers():
    """Results and predictions go through trainers/outputs.py (temp file, fsync, rename): a killed run
    never leaves a partly written file. A plain write_text or open(..., "w") elsewhere would."""
    plain = re.compile(r"\.write_text\(|\bopen\([^)]*['\"][wa]")
    offenders = [f"{path.relative_to(REPO_ROOT)}:{number}"
                 for path in sorted((REPO_ROOT / "trainers").glob("*.py")) if path.name != "outputs.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if plain.search(line)]
    assert offenders == []


def test_no_two_test_modules_share_a_file_name():
    """The test folders are not packages: pytest imports each test module by its file name, so a second
    tests/args/test_dp.py beside tests/klue_data/test_dp.py stops the whole run with an import error."""
    names = Counter(path.name for path in (REPO_ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
