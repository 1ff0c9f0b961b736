"""Shared fixtures: a tiny BERT and a tiny RoBERTa built offline, and the real-data folder.

The tokenizer is a WordPiece model trained here on the project's own synthetic Korean text
(``tests/tiny_tokenizers.py``), wrapped as a BERT fast tokenizer. The RoBERTa model uses it too, as
``klue/roberta-*`` do: a BERT tokenizer that emits token type ids, on a model with
``type_vocab_size`` 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# No test touches the network: the Hugging Face libraries read this once, when first imported,
# which is after this file (test modules import transformers; conftest is imported first).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Under pytest-xdist each worker (and each script a test starts) computes on one thread: two workers with two
# threads each on a 2-core machine wait on each other. Read by torch when first imported, which is after this.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

from tests.synthetic import corpus
from tests.tiny_tokenizers import wordpiece_tokenizer

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_KLUE = REPO_ROOT.parent / "shared" / "klue"


@pytest.fixture(scope="session")
def shared_klue() -> Path:
    if not SHARED_KLUE.is_dir():
        pytest.skip(f"real KLUE files not found at {SHARED_KLUE} (../shared/klue beside the repository)")
    return SHARED_KLUE


def _build_tokenizer(directory: Path):
    tokenizer = wordpiece_tokenizer(corpus(), vocab_size=400, model_max_length=128)
    tokenizer.save_pretrained(directory)
    return tokenizer


def _save_tiny_model(directory: Path, model_type: str) -> Path:
    import torch
    from transformers import AutoModel, BertConfig, ElectraConfig, RobertaConfig

    tokenizer = _build_tokenizer(directory)
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        pad_token_id=tokenizer.pad_token_id,
    )
    if model_type == "bert":
        config = BertConfig(max_position_embeddings=130, **common)
    elif model_type == "electra":  # embeddings narrower than the hidden states, projected up; no pooler
        config = ElectraConfig(max_position_embeddings=130, embedding_size=16, **common)
    else:  # RoBERTa offsets positions by pad_token_id + 1 and has a single token type
        config = RobertaConfig(max_position_embeddings=130 + tokenizer.pad_token_id + 1, type_vocab_size=1, **common)
    torch.manual_seed(0)  # the same tiny model in every session: end-to-end outcomes do not hang on the draw
    AutoModel.from_config(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_model(tmp_path_factory.mktemp("tiny-bert"), "bert")


@pytest.fixture(scope="session")
def tiny_electra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_model(tmp_path_factory.mktemp("tiny-electra"), "electra")


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny_model(tmp_path_factory.mktemp("tiny-roberta"), "roberta")


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """One torch thread for a module of many small operations per step (the WoS decoder, tiny LMs):
    on a shared 2-core machine two threads per process wait on each other (steps took 1-4 s, not 0.1 s)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tokenizer_warnings() -> Iterator[list[str]]:
    """What the tokenizers log during the test (transformers' loggers do not propagate to caplog)."""
    import logging

    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    tokenizer_logger = logging.getLogger("transformers.tokenization_utils_base")
    tokenizer_logger.addHandler(handler)
    yield said
    tokenizer_logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def no_logging_into_closed_streams() -> Iterator[None]:
    """A run's ``setup_logging`` points the root logger at the ``sys.stdout`` of its test, which capsys closes when
    the test ends: a later test that logs without setting logging up would print "--- Logging error ---" into its
    own captured stderr. Such handlers are dropped once their test is over."""
    import logging

    yield
    for logger in (logging.getLogger(), logging.getLogger("transformers")):
        for handler in list(logger.handlers):
            if getattr(getattr(handler, "stream", None), "closed", False):
                logger.removeHandler(handler)
