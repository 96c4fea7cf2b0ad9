"""What the commands print: rich tables for people, JSON (``--json``) for scripts."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs
import click
from rich.console import Console
from rich.table import Table

F = TypeVar("F", bound=Callable[..., Any])


def json_option(function: F) -> F:
    """``--json``: print the result as JSON instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="print JSON for scripts")(function)


def _plain(value: object) -> object:
    """Datetimes, UUIDs, enums and tuples as JSON has them."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def as_dict(value: object) -> dict[str, Any]:
    """An attrs record (worker, response, tenant config) as a plain dict."""
    return attrs.asdict(value, recurse=True)  # type: ignore[arg-type]


def emit_json(value: object) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=_plain))


def cell(value: object) -> str:
    """One value as a table shows it: nested values as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=_plain)
    plain = _plain(value) if isinstance(value, datetime | UUID | enum.Enum) else value
    return str(plain)


def _console() -> Console:
    # Resolved at each print, so click's test runner captures it like any other output.
    return Console(file=sys.stdout, highlight=False)


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    fold: Sequence[str] = (),
) -> None:
    """A table with one row per record; an empty listing says so. Only the ``fold`` columns
    (free text) may break across lines when the terminal is narrow; short values never do."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column not in fold)
    count = 0
    for row in rows:
        table.add_row(*(cell(value) for value in row))
        count += 1
    if count:
        _console().print(table)
    else:
        click.echo(f"{title}: none")


def print_record(title: str, fields: Mapping[str, object]) -> None:
    """One record as a two-column table of field and value."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in fields.items():
        table.add_row(name, cell(value))
    _console().print(table)


def parse_json_object(text: str, option: str) -> dict[str, Any]:
    """A JSON object given on the command line; a usage error (exit 2) otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint=option) from error
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint=option)
    return value


def parse_pairs(pairs: Iterable[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; a usage error when one has no ``=``."""
    result = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=option)
        result[key] = value
    return result
