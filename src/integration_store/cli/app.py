"""The top-level click group: the store URL, ``--version``, error → exit code, and the
commands that are not a group of their own (``init``, ``schemes``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any, Final

import attrs
import click

from integration_store.discovery import installed_schemes, redacted
from integration_store.errors import IntegrationStoreError
from integration_store.store import Store, open_store

from .exit_codes import NOT_FOUND_OR_REFUSED, exit_code_for

URL_ENV: Final = "INTEGRATION_STORE_URL"
DEFAULT_URL: Final = "sqlite:///integration-store.db"
"""A SQLite file in the working directory: the embedded default for the CLI."""


@attrs.frozen
class Settings:
    """What the top-level options chose, handed to every command."""

    url: str


class StoreGroup(click.Group):
    """A group that turns the library's errors into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IntegrationStoreError as error:
            click.echo(f"Error: {redacted(error)}", err=True)
            ctx.exit(exit_code_for(error))


def fail(message: str, code: int = NOT_FOUND_OR_REFUSED) -> None:
    """Stop the command with ``message`` on stderr and ``code`` (default 1: not found)."""
    click.echo(f"Error: {message}", err=True)
    click.get_current_context().exit(code)


def current_url() -> str:
    """The store URL the top-level options chose."""
    settings = click.get_current_context().find_object(Settings)
    assert settings is not None, "commands run under the top-level group"
    return settings.url


@contextmanager
def opened_store() -> Iterator[Store]:
    """The store ``--url`` names, closed when the command ends."""
    with open_store(current_url()) as store:
        yield store


@click.group(cls=StoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--url",
    envvar=URL_ENV,
    default=DEFAULT_URL,
    show_default=True,
    metavar="URL",
    help=f"the store to work on (default: ${URL_ENV}, then a SQLite file in this directory)",
)
@click.version_option(version("integration-store"), "--version", prog_name="integration-store")
@click.pass_context
def app(ctx: click.Context, url: str) -> None:
    """Storage for connectors, external responses and workers.

    Exit codes: 0 ok, 1 not found or refused, 2 usage, 3 backend unavailable."""
    ctx.obj = Settings(url)


@app.command()
def init() -> None:
    """Create the store's schema, or upgrade it to this version's (idempotent)."""
    with opened_store() as store:
        store.create_schema()
    click.echo(f"schema ready at {redacted(current_url())}")


@app.command()
def schemes() -> None:
    """List the URL schemes of the installed backends."""
    click.echo("\n".join(installed_schemes()))


def _register() -> None:
    from .bench_command import bench, bench_vectors
    from .connectors import connectors
    from .responses import responses
    from .verify_command import verify
    from .workers import workers

    for command in (verify, bench, bench_vectors, connectors, workers, responses):
        app.add_command(command)


_register()
