"""Which store URLs the contract suite (and `integration-store verify`) runs against."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable

from integration_store.store import Store

TEMP_SQLITE_URL = "sqlite:///{tmp}/contract.db"
"""The temp-file SQLite target; ``{tmp}`` becomes a fresh directory per test session."""

ENV_URLS = "INTEGRATION_STORE_TEST_URLS"

StoreFactory = Callable[..., Store]
"""Opens another store on the database under test (fixture ``open_same_store``)."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def default_urls() -> list[str]:
    """The embedded backends whose packages are installed."""
    urls = ["memory://"]
    if _installed("integration_store.backends.sql.backend") and _installed("sqlalchemy"):
        urls += ["sqlite://", TEMP_SQLITE_URL]
    if _installed("integration_store.backends.mongo.backend") and _installed("mongomock"):
        urls.append("mongomock://")
    return urls


def env_urls() -> list[str]:
    """URLs named in ``INTEGRATION_STORE_TEST_URLS``."""
    return [url.strip() for url in os.environ.get(ENV_URLS, "").split(",") if url.strip()]


def contract_urls(cli_urls: list[str]) -> list[str]:
    """``--store-url`` values when given, else the defaults plus the environment's URLs."""
    if cli_urls:
        return list(dict.fromkeys(cli_urls))
    return list(dict.fromkeys(default_urls() + env_urls()))
