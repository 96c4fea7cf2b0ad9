"""Which store URLs the contract suite (and `integration-store verify`) runs against."""

from __future__ import annotations

import os
from collections.abc import Callable

from integration_store.store import Store
from integration_store.test_support import embedded_test_urls

ENV_URLS = "INTEGRATION_STORE_TEST_URLS"

StoreFactory = Callable[..., Store]
"""Opens another store on the database under test (fixture ``open_same_store``)."""


def default_urls() -> list[str]:
    """The embedded URLs every installed backend offers (see ``test_support.TestTargets``)."""
    return embedded_test_urls()


def env_urls() -> list[str]:
    """URLs named in ``INTEGRATION_STORE_TEST_URLS``."""
    return [url.strip() for url in os.environ.get(ENV_URLS, "").split(",") if url.strip()]


def contract_urls(cli_urls: list[str]) -> list[str]:
    """``--store-url`` values when given, else the defaults plus the environment's URLs."""
    if cli_urls:
        return list(dict.fromkeys(cli_urls))
    return list(dict.fromkeys(default_urls() + env_urls()))
