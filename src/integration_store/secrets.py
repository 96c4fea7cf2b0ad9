"""Connector credentials encrypted at rest.

With a secret key (``open_store(url, secret_key=...)`` or ``INTEGRATION_STORE_SECRET_KEY``), a
connector's ``config.credentials`` reach the backend as one Fernet token (AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package) and are decrypted on the way back, so a database
row, a MongoDB document, a backup or a driver's command log holds no plaintext secret.

It is a layer over the connector storage (``SealedConnectorStorage``), installed by the store
for every backend alike: backends store what they are given, services never see ciphertext.
Without a key, plaintext credentials are stored as before, and reading encrypted ones raises
``SecretKeyError`` instead of handing out ciphertext.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from integration_store import jsoncodec
from integration_store.errors import IntegrationStoreError, SecretKeyError, ValidationError
from integration_store.json_copies import StoredRecord, copy_record
from integration_store.protocols import (
    Changes,
    ConnectorGroupCount,
    ConnectorQuery,
    ConnectorStorage,
    Increments,
)
from integration_store.records import Record

SEALED: Final = "$integration_store_sealed"
"""The one key of a stored credentials object that holds a token instead of credentials."""

KEY_VARIABLE: Final = "INTEGRATION_STORE_SECRET_KEY"
"""The environment variable ``open_store`` reads a secret key from when none is given."""

SecretKeys = str | bytes | Sequence[str | bytes]
"""One Fernet key, or several: the first encrypts, every one decrypts (for key rotation)."""


def generate_key() -> str:
    """A new random secret key (32 bytes, URL-safe base64, as Fernet wants it)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Seals and opens credentials objects with the store's keys."""

    def __init__(self, keys: SecretKeys) -> None:
        try:
            from cryptography.fernet import Fernet, InvalidToken, MultiFernet
        except ImportError as missing:
            raise IntegrationStoreError(
                "secret keys need the cryptography package: "
                "pip install 'integration-store[secrets]'"
            ) from missing
        listed = [keys] if isinstance(keys, str | bytes) else list(keys)
        self.keys: Final = tuple(listed)
        """The keys, the encrypting one first."""
        if not listed:
            raise ValidationError("secret_key", "must name at least one key")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in listed])
        except (ValueError, TypeError):
            # Never quote the value: it is a secret.
            raise ValidationError(
                "secret_key",
                "must be a Fernet key: 32 URL-safe base64-encoded bytes "
                "(integration_store.secrets.generate_key() makes one)",
            ) from None
        self._invalid_token = InvalidToken

    def seal(self, credentials: Mapping[str, Any]) -> dict[str, Any]:
        """The stored form of a credentials object: its JSON text as one token."""
        token = self._fernet.encrypt(jsoncodec.dumps(dict(credentials)).encode("utf-8"))
        return {SEALED: token.decode("ascii")}

    def open(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The credentials a stored object holds (plaintext ones, stored before a key was set,
        come back as they are)."""
        if SEALED not in stored:
            return dict(stored)
        try:
            text = self._fernet.decrypt(str(stored[SEALED]).encode("ascii"))
        except (self._invalid_token, UnicodeEncodeError):
            raise SecretKeyError(
                "stored credentials were encrypted with another key than this store's"
            ) from None
        opened: dict[str, Any] = jsoncodec.loads(text.decode("utf-8"))
        return opened


def box_for(secret_key: SecretKeys | None) -> SecretBox | None:
    """The store's box: from ``secret_key``, else from ``INTEGRATION_STORE_SECRET_KEY`` (several
    keys separated by commas), else None (credentials stored as given)."""
    if secret_key is None:
        from_environment = os.environ.get(KEY_VARIABLE, "").strip()
        if not from_environment:
            return None
        secret_key = [key.strip() for key in from_environment.split(",") if key.strip()]
    return SecretBox(secret_key)


def _credentials(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A record's (or changes') ``config.credentials`` object, if it has one."""
    config = record.get("config")
    if type(config) is not dict:
        return None
    credentials = config.get("credentials")
    return credentials if type(credentials) is dict else None


def _with_credentials(record: Mapping[str, Any], credentials: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record whose config holds other credentials."""
    return {**record, "config": {**record["config"], "credentials": credentials}}


class SealedConnectorStorage:
    """A ``ConnectorStorage`` that seals credentials on the way in and opens them on the way
    out with the store's current box (None: stores them as given, and refuses to hand out
    sealed ones)."""

    def __init__(self, inner: ConnectorStorage, box: Callable[[], SecretBox | None]) -> None:
        self._inner = inner
        self._current_box = box

    @property
    def _box(self) -> SecretBox | None:
        return self._current_box()

    def _sealed(self, record: Record) -> Record:
        credentials = _credentials(record)
        if credentials is not None and SEALED in credentials:
            raise ValidationError(f"config.credentials.{SEALED}", "is a name the store reserves")
        if credentials is None or self._box is None:
            return record
        return _with_credentials(record, self._box.seal(credentials))

    def _opened(self, record: Record | None) -> Record | None:
        """The record with its credentials opened; without a box, the record itself (the hot
        path of every read: a dict lookup, no copy)."""
        if record is None:
            return None
        config = record.get("config")  # ``_credentials`` written out: this runs on every read
        credentials = config.get("credentials") if type(config) is dict else None
        if type(credentials) is not dict or SEALED not in credentials:
            return record
        if self._box is None:
            raise SecretKeyError(
                "the stored credentials are encrypted: open the store with its secret key "
                f"(open_store(url, secret_key=...) or ${KEY_VARIABLE})"
            )
        opened = _with_credentials(record, self._box.open(credentials))
        # The copy shares a kept record's other containers, which must not reach a caller.
        return copy_record(opened) if type(record) is StoredRecord else opened

    def insert(self, record: Record) -> None:
        self._inner.insert(self._sealed(record))

    def insert_many(self, records: Sequence[Record]) -> None:
        self._inner.insert_many([self._sealed(record) for record in records])

    def get(self, connector_id: str) -> Record | None:
        return self._opened(self._inner.get(connector_id))

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        return self._opened(self._inner.get_by_name(tenant_id, name))

    def find(self, query: ConnectorQuery) -> list[Record]:
        opened = self._opened
        return [opened(record) for record in self._inner.find(query)]  # type: ignore[misc]

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        if "config" in changes:
            changes = self._sealed(dict(changes))
        return self._opened(
            self._inner.update(connector_id, tenant_id, changes, increments, expected_revision)
        )

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        return self._inner.delete(connector_id, tenant_id)

    def delete_tenant(self, tenant_id: str) -> int:
        return self._inner.delete_tenant(tenant_id)

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        return self._inner.count_groups(tenant_id)


def resealed(record: Record, old: SecretBox | None, new: SecretBox) -> dict[str, Any] | None:
    """The config a stored connector record gets under ``new`` (None: it has no credentials),
    read with ``old`` (None: they must be plaintext)."""
    credentials = _credentials(record)
    if credentials is None:
        return None
    if SEALED in credentials:
        if old is None:
            raise SecretKeyError("stored credentials are encrypted and the store has no key")
        plain = old.open(credentials)
    else:
        plain = dict(credentials)
    return {**record["config"], "credentials": new.seal(plain)}
