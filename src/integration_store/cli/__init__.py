"""The ``integration-store`` command: look inside and change a store (``init``, ``connectors``,
``workers``, ``responses``), certify backends (``verify``), benchmark them (``bench``).

The command is built on click and rich, which come with the ``[cli]`` extra; without them it
says which extra to install instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_PACKAGES = ("click", "rich")


def embedded_urls() -> list[str]:
    """The embedded backends (no server needed) whose packages are installed."""
    from integration_store.test_support import TMP_PLACEHOLDER, embedded_test_urls

    return [url for url in embedded_test_urls() if TMP_PLACEHOLDER not in url]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: the command's exit code (see ``exit_codes``)."""
    try:
        from integration_store.cli.app import app
    except ImportError as missing:
        if (missing.name or "").split(".")[0] not in CLI_PACKAGES:
            raise
        print(
            f"integration-store: the command line needs {missing.name!r}, which is not "
            "installed: pip install 'integration-store[cli]'",
            file=sys.stderr,
        )
        return 1
    try:
        app.main(args=None if argv is None else list(argv), prog_name="integration-store")
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        return 1
    return 0
