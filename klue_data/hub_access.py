"""Fail fast without a network: switch the Hugging Face libraries to their local cache when the Hub is unreachable.

Without a network, ``huggingface_hub`` retries every request with back-off, so a run that names a
Hub model or dataset prints retry warnings for most of a minute before its one-line error. With
offline mode on, cached models and datasets still load from the cache and uncached ones fail at
once. ``prefer_offline_when_hub_unreachable()`` probes the Hub endpoint once (name resolution and
a TCP connection, a few seconds at most, no retries) and, when it cannot be reached, turns offline
mode on for this process and the processes it starts.

What the installed libraries read (huggingface_hub 1.x/2.x, transformers 5, datasets 5): the
flags are read once, at import, into module constants, so setting ``os.environ`` afterwards is
not enough:

- ``huggingface_hub.constants.HF_HUB_OFFLINE``, read at call time by
  ``huggingface_hub.is_offline_mode()``; transformers 5 asks that same function;
- ``datasets.config.HF_HUB_OFFLINE`` (and its alias ``HF_DATASETS_OFFLINE``), copied from the
  former when ``datasets`` is imported;
- ``os.environ["HF_HUB_OFFLINE"]``, for processes started later (and modules imported later).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import urllib.request
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# The environment variables by which a user has already decided (either way): no probe then.
OFFLINE_ENV_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")

UNREACHABLE_MESSAGE = (
    "Hugging Face Hub unreachable: using only the local cache (set HF_HUB_OFFLINE=1 to skip this check)"
)

_TRUE = {"1", "ON", "YES", "TRUE"}  # as huggingface_hub reads these variables

# The probe's answer for this process: None until probed (one probe per process, however often called).
_hub_reachable: bool | None = None


def prefer_offline_when_hub_unreachable(timeout: float = 3.0) -> bool:
    """Switch to offline mode when the Hub cannot be reached; True when offline mode is on.

    No probe when ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``/``HF_DATASETS_OFFLINE``) is set:
    the user has decided (a true value set after the libraries were imported is applied to them).
    The probe runs once per process; later calls reuse its answer.
    """
    global _hub_reachable
    import huggingface_hub.constants as hub_constants

    decided = [os.environ[name] for name in OFFLINE_ENV_VARS if os.environ.get(name) is not None]
    if decided:
        if any(value.strip().upper() in _TRUE for value in decided) and not hub_constants.HF_HUB_OFFLINE:
            enable_offline_mode()  # set after the libraries were imported: they read it at import only
        return bool(hub_constants.HF_HUB_OFFLINE)
    if _hub_reachable is None:
        _hub_reachable = hub_reachable(hub_constants.ENDPOINT, timeout)
        if not _hub_reachable:
            enable_offline_mode()
            logger.warning(UNREACHABLE_MESSAGE)
    elif not _hub_reachable:
        enable_offline_mode()  # in case something switched it back since
    return not _hub_reachable


def hub_reachable(endpoint: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``endpoint`` (or to the proxy that requests to it use) opens within ``timeout``.

    Name resolution has no timeout of its own, so the probe runs in a daemon thread that is
    abandoned when ``timeout`` passes.
    """
    address = _probe_address(endpoint)
    if address is None:
        return True  # not a URL we can probe: leave the libraries as they are
    outcome: list[bool] = []
    probe = threading.Thread(target=lambda: outcome.append(_can_connect(*address, timeout)), daemon=True)
    probe.start()
    probe.join(timeout)
    return bool(outcome and outcome[0])


def enable_offline_mode() -> None:
    """Offline mode for huggingface_hub, transformers and datasets in this process and its children."""
    import huggingface_hub.constants as hub_constants

    os.environ["HF_HUB_OFFLINE"] = "1"
    hub_constants.HF_HUB_OFFLINE = True
    datasets_config = sys.modules.get("datasets.config")  # not imported yet: it copies the flag on import
    if datasets_config is not None:
        datasets_config.HF_HUB_OFFLINE = True
        datasets_config.HF_DATASETS_OFFLINE = True


def _probe_address(endpoint: str) -> tuple[str, int] | None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    target = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    proxies = urllib.request.getproxies()  # HTTPS_PROXY, ALL_PROXY, ...: the Hub client honours them too
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if proxy and not urllib.request.proxy_bypass(parts.hostname):
        proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if proxy_parts.hostname:
            default_port = {"https": 443, "socks5": 1080, "socks5h": 1080}.get(proxy_parts.scheme, 80)
            return proxy_parts.hostname, proxy_parts.port or default_port
    return target


def _can_connect(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
