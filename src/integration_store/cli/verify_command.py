"""``integration-store verify``: certify backends with the contract suite, showing each one's
progress while it runs and a short account of every failure after."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from integration_store.discovery import redacted
from integration_store.verify import (
    CONTRACT_EXTRA,
    BackendResult,
    missing_suite_packages,
    preflight,
    run_contract_suite,
)

from .exit_codes import BACKEND_UNAVAILABLE, NOT_FOUND_OR_REFUSED, OK

FAILURES_SHOWN = 20
"""Failing tests listed per backend; the log file has them all."""


@click.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option(
    "--pytest-arg",
    "pytest_args",
    multiple=True,
    metavar="ARG",
    help="pass an extra argument to pytest (repeatable), e.g. --pytest-arg=-x",
)
@click.option(
    "--in-place",
    is_flag=True,
    help="run on the database a URL names when its backend cannot make a private "
    "one (the suite clears it between tests)",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False, exists=True),
    help="where a failing backend's full output is kept (default: the temp directory)",
)
def verify(
    urls: tuple[str, ...], pytest_args: tuple[str, ...], in_place: bool, log_dir: str | None
) -> None:
    """Run the contract suite against each URL (default: every embedded backend installed)
    and print one line per backend.

    A file or server URL runs on a private copy beside it (a new file, a new database), removed
    afterwards: the data a URL names is never touched. Exits 1 if a backend fails or is
    refused, 3 if one cannot be reached or has no backend installed."""
    missing = missing_suite_packages()
    if missing:
        click.echo(
            f"Error: verify runs the contract suite, which needs {', '.join(missing)}: "
            f"pip install 'integration-store[{CONTRACT_EXTRA}]'",
            err=True,
        )
        click.get_current_context().exit(NOT_FOUND_OR_REFUSED)
    from integration_store.cli import embedded_urls

    results = [
        _verify_one(url, list(pytest_args), in_place, log_dir) for url in urls or embedded_urls()
    ]
    click.get_current_context().exit(_exit_code(results))


def _exit_code(results: list[BackendResult]) -> int:
    if any(not result.ok and not result.unavailable for result in results):
        return NOT_FOUND_OR_REFUSED
    if any(result.unavailable for result in results):
        return BACKEND_UNAVAILABLE
    return OK


def _verify_one(
    url: str, pytest_args: list[str], in_place: bool, log_dir: str | None
) -> BackendResult:
    result = preflight(url, in_place=in_place)
    if result is None:
        result = _run_with_progress(url, pytest_args, log_dir)
    click.echo(result.line())
    for failure in result.failures[:FAILURES_SHOWN]:
        click.echo(f"  {failure.test}: {failure.reason}")
    if len(result.failures) > FAILURES_SHOWN:
        click.echo(f"  … and {len(result.failures) - FAILURES_SHOWN} more failing tests")
    if result.log_path is not None:
        click.echo(f"  full output: {result.log_path}")
    return result


def _run_with_progress(url: str, pytest_args: list[str], log_dir: str | None) -> BackendResult:
    """The suite on one URL, with a progress bar on stderr (drawn only on a terminal)."""
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(redacted(url), total=None, failed=0)

        def advance(done: int, total: int, failed: int) -> None:
            bar.update(task, completed=done, total=total or None, failed=failed)

        return run_contract_suite(url, pytest_args, on_progress=advance, log_dir=log_dir)
