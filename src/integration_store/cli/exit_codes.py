"""The command's exit codes, and which library error gives which.

0 ok; 1 not found, or refused (a conflict, a bad value, an unsupported operation, a verify
that failed or would touch the user's data); 2 usage (click's own); 3 backend unavailable (the
server does not answer, refuses the login, or no backend is installed for the URL)."""

from __future__ import annotations

from typing import Final

from integration_store.errors import (
    ConflictError,
    IntegrationStoreError,
    NotFoundError,
    UnsupportedOperationError,
    ValidationError,
)

OK: Final = 0
NOT_FOUND_OR_REFUSED: Final = 1
USAGE: Final = 2
BACKEND_UNAVAILABLE: Final = 3

_REFUSED = (NotFoundError, ConflictError, ValidationError, UnsupportedOperationError)


def exit_code_for(error: IntegrationStoreError) -> int:
    """1 for what the store refused or could not find; 3 for everything about reaching it."""
    return NOT_FOUND_OR_REFUSED if isinstance(error, _REFUSED) else BACKEND_UNAVAILABLE
