"""How a storage call reaches the database: in its own transaction, or inside a shared one.

Storages hand a function of a ``Connection`` to a ``Runner``. The autocommit runner gives each
call its own transaction; the transaction runner runs every call on the unit of work's connection,
guarding inserts with a SAVEPOINT so a conflict does not poison the transaction. Both translate
database errors (``errors.py``), so no driver exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine

from .engine import READ_ONLY_OPTION
from .errors import translated_errors

T = TypeVar("T")

Work = Callable[[Connection], T]


class Runner(Protocol):
    """Runs a storage call's statements on a connection, atomically."""

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        """Run ``work``; ``write`` says whether it changes rows, ``savepoint`` that a failure
        (a conflict) must leave an enclosing transaction usable."""
        ...


class TransactionRunner:
    """Runs every call on the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        with translated_errors():
            if savepoint:
                with self._connection.begin_nested():
                    return work(self._connection)
            return work(self._connection)


class AutocommitRunner:
    """Gives each call its own transaction on a pooled connection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        with translated_errors(), self._engine.connect() as connection:
            connection.execution_options(**{READ_ONLY_OPTION: not write})
            with connection.begin():
                return work(connection)
