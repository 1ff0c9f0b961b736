"""No network: the Hub probe switches the libraries to their cache at once. Never touches the real network."""

from __future__ import annotations

import logging
import os
import threading
import time

import datasets.config
import huggingface_hub
import huggingface_hub.constants
import pytest

from klue_data import hub_access, nli, sources


@pytest.fixture
def online_state():
    """Offline mode off and no answer cached, as in a fresh process; everything put back afterwards."""
    saved_env = {name: os.environ.get(name) for name in hub_access.OFFLINE_ENV_VARS}
    saved_flags = (huggingface_hub.constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE,
                   datasets.config.HF_DATASETS_OFFLINE, hub_access._hub_reachable)
    for name in hub_access.OFFLINE_ENV_VARS:
        os.environ.pop(name, None)
    huggingface_hub.constants.HF_HUB_OFFLINE = False
    datasets.config.HF_HUB_OFFLINE = datasets.config.HF_DATASETS_OFFLINE = False
    hub_access._hub_reachable = None
    try:
        yield
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        (huggingface_hub.constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE,
         datasets.config.HF_DATASETS_OFFLINE, hub_access._hub_reachable) = saved_flags


@pytest.fixture
def connects(monkeypatch):
    """The probe's socket connections, recorded; ``connects.fail = False`` makes them succeed."""
    class Recorder(list):
        fail = True

    calls = Recorder()

    class FakeSocket:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def create_connection(address, timeout=None, *args, **kwargs):
        calls.append((address, timeout))
        if calls.fail:
            raise OSError("Network is unreachable")
        return FakeSocket()

    monkeypatch.setattr(hub_access.socket, "create_connection", create_connection)
    return calls


def test_unreachable_hub_switches_every_library_to_offline_mode_once(online_state, connects, caplog):
    with caplog.at_level(logging.INFO, logger="klue_data.hub_access"):
        assert hub_access.prefer_offline_when_hub_unreachable(timeout=0.5) is True
        assert hub_access.prefer_offline_when_hub_unreachable(timeout=0.5) is True  # answer cached
    assert connects == [(("huggingface.co", 443), 0.5)]  # probed once
    assert huggingface_hub.constants.HF_HUB_OFFLINE is True
    assert huggingface_hub.is_offline_mode()  # what transformers 5 asks
    assert datasets.config.HF_HUB_OFFLINE is True and datasets.config.HF_DATASETS_OFFLINE is True
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # for processes started later
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [hub_access.UNREACHABLE_MESSAGE]


def test_reachable_hub_changes_nothing(online_state, connects):
    connects.fail = False
    assert hub_access.prefer_offline_when_hub_unreachable() is False
    assert huggingface_hub.constants.HF_HUB_OFFLINE is False and datasets.config.HF_HUB_OFFLINE is False
    assert "HF_HUB_OFFLINE" not in os.environ


def test_hf_endpoint_is_probed(online_state, connects, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "http://hub.example.internal:8080")
    hub_access.prefer_offline_when_hub_unreachable()
    assert connects[0][0] == ("hub.example.internal", 8080)


def test_the_proxy_is_probed_when_requests_go_through_one(online_state, connects, monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.internal:3128")
    connects.fail = False
    assert hub_access.prefer_offline_when_hub_unreachable() is False
    assert connects[0][0] == ("proxy.example.internal", 3128)


def test_a_host_in_no_proxy_is_probed_directly(online_state, connects, monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.internal:3128")
    monkeypatch.setenv("NO_PROXY", "huggingface.co")
    connects.fail = False
    hub_access.prefer_offline_when_hub_unreachable()
    assert connects[0][0] == ("huggingface.co", 443)


def test_a_hub_found_unreachable_stays_offline_when_something_switched_it_back(online_state, connects):
    hub_access.prefer_offline_when_hub_unreachable()
    huggingface_hub.constants.HF_HUB_OFFLINE = False  # e.g. a library reset its flag
    os.environ.pop("HF_HUB_OFFLINE")
    assert hub_access.prefer_offline_when_hub_unreachable() is True
    assert huggingface_hub.constants.HF_HUB_OFFLINE is True and len(connects) == 1  # not probed again


@pytest.mark.parametrize(("value", "offline"), [("1", True), ("0", False), (" yes ", True)])
def test_hf_hub_offline_in_the_environment_skips_the_probe(online_state, connects, value, offline):
    os.environ["HF_HUB_OFFLINE"] = value  # set after the libraries were imported
    assert hub_access.prefer_offline_when_hub_unreachable() is offline
    assert connects == []
    assert hub_access._hub_reachable is None
    assert huggingface_hub.constants.HF_HUB_OFFLINE is offline and datasets.config.HF_HUB_OFFLINE is offline


def test_a_probe_that_hangs_gives_up_after_the_timeout(online_state, monkeypatch):
    release = threading.Event()

    def create_connection(address, timeout=None, *args, **kwargs):
        release.wait(5)  # a name resolution that hangs: it has no timeout of its own
        raise OSError("unreachable")

    monkeypatch.setattr(hub_access.socket, "create_connection", create_connection)
    start = time.perf_counter()
    try:
        assert hub_access.prefer_offline_when_hub_unreachable(timeout=0.2) is True
    finally:
        release.set()
    assert time.perf_counter() - start < 2


def test_load_hub_probes_before_loading(online_state, connects, monkeypatch):
    seen = []

    def load_dataset(*args, **kwargs):
        seen.append(datasets.config.HF_HUB_OFFLINE)
        raise ConnectionError("Couldn't reach 'klue/klue' on the Hub (OfflineModeIsEnabled)")

    monkeypatch.setattr(sources.datasets, "load_dataset", load_dataset)
    with pytest.raises(sources.SourceUnavailableError, match="--data_dir"):
        sources.load_hub(nli, "klue/klue")
    assert seen == [True] and len(connects) == 1
