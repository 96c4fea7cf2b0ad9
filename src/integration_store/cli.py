"""The ``integration-store`` command: ``verify`` runs the contract suite against store URLs,
``bench`` times the public API against hand-written baselines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from integration_store.discovery import installed_schemes


def embedded_urls() -> list[str]:
    """The embedded backends (no server needed) whose packages are installed."""
    from integration_store.test_support import TMP_PLACEHOLDER, embedded_test_urls

    return [url for url in embedded_test_urls() if TMP_PLACEHOLDER not in url]


def _verify(urls: Sequence[str], pytest_args: Sequence[str]) -> int:
    from integration_store.verify import run_contract_suite

    failures = 0
    for url in urls or embedded_urls():
        result = run_contract_suite(url, list(pytest_args))
        print(result.line(), flush=True)
        failures += not result.ok
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = argparse.ArgumentParser(
        prog="integration-store",
        description="Storage for connectors, external responses and workers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="run the contract suite against store URLs; one line per backend",
        description="Run the contract suite against each URL (default: every embedded backend "
        "installed) and print one line per backend. Exits 1 if any backend fails.",
    )
    verify.add_argument("urls", nargs="*", metavar="URL")
    verify.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="pass an extra argument to pytest (repeatable), e.g. --pytest-arg=-x",
    )
    commands.add_parser("schemes", help="list the URL schemes of the installed backends")
    bench = commands.add_parser(
        "bench",
        help="time the public API against raw-driver, SQLAlchemy Core and ORM-style baselines",
        description="Time the common calls on each URL (default: memory://, a temporary SQLite "
        "file, mongomock://) against hand-written baselines doing the same work in the same "
        "process; print µs per operation and ratios with their targets. Server URLs run on a "
        "private database, dropped afterwards.",
    )
    from integration_store.bench.command import add_arguments

    add_arguments(bench)
    args = parser.parse_args(argv)
    if args.command == "bench":
        from integration_store.bench.command import run

        return run(args)
    if args.command == "schemes":
        print("\n".join(installed_schemes()))
        return 0
    return _verify(args.urls, args.pytest_arg)


if __name__ == "__main__":
    sys.exit(main())
