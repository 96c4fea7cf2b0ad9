"""Connector credentials encrypted at rest (``open_store(url, secret_key=...)``): the backend
holds a token, the services hand out plaintext, a store without the key refuses to read them,
and ``rotate_secrets`` moves every connector to a new key."""

from __future__ import annotations

import pytest

from integration_store import Connector, ConnectorConfig, SecretKeyError, ValidationError
from integration_store.secrets import SEALED, SecretBox, generate_key
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import FixedClock, SequentialIds

SECRET = "sk-live-plaintext-4711"
KEY = generate_key()


def _connector(connector_id: str = "c", secret: str = SECRET) -> Connector:
    return Connector(
        connector_id=connector_id,
        tenant_id="t",
        name=connector_id,
        config=ConnectorConfig(endpoint="https://x", credentials={"api_key": secret, "n": 1}),
    )


def _stored_credentials(store: Store, connector_id: str = "c") -> object:
    """What the backend itself holds: its storage, below the store's encryption."""
    record = store.backend.storages.connectors.get(connector_id)
    assert record is not None
    return record["config"]["credentials"]


def _sharing(store: Store, key: str | list[str] | None) -> Store:
    """Another store on the same backend object (so also on memory://), with other keys."""
    return Store(
        store.backend,
        clock=FixedClock(),
        id_factory=SequentialIds(),
        secret_box=None if key is None else SecretBox(key),
    )


@pytest.fixture
def keyed(open_same_store: StoreFactory) -> Store:
    store = open_same_store(secret_key=KEY)
    store.create_schema()
    return store


def test_the_backend_holds_a_token_and_the_services_plaintext(keyed: Store) -> None:
    registered = keyed.connectors.register(_connector())
    keyed.connectors.record_error("c", "boom")

    stored = _stored_credentials(keyed)
    assert isinstance(stored, dict) and list(stored) == [SEALED]
    assert SECRET not in repr(keyed.backend.storages.connectors.get("c"))
    expected = {"api_key": SECRET, "n": 1}
    assert registered.config.credentials == expected
    for read in (
        keyed.connectors.get("c"),
        keyed.connectors.get_by_name("t", "c"),
        *keyed.connectors.list(tenant_id="t"),
    ):
        assert read is not None and read.config.credentials == expected
        assert read.config.endpoint == "https://x"


def test_without_the_key_encrypted_credentials_are_refused_not_handed_out(keyed: Store) -> None:
    keyed.connectors.register(_connector())
    keyless = _sharing(keyed, None)

    with pytest.raises(SecretKeyError, match="secret key"):
        keyless.connectors.get("c")
    with pytest.raises(SecretKeyError):
        keyless.connectors.list(tenant_id="t")


def test_with_another_key_they_are_refused_too(keyed: Store) -> None:
    keyed.connectors.register(_connector())

    with pytest.raises(SecretKeyError, match="another key"):
        _sharing(keyed, generate_key()).connectors.get("c")


def test_rotation_moves_every_connector_to_the_new_key(keyed: Store) -> None:
    keyless = _sharing(keyed, None)
    keyless.connectors.register(_connector("plain", secret="stored-before-the-key"))
    for index in range(5):
        keyed.connectors.register(_connector(f"c{index}", secret=f"s{index}"))
    new_key = generate_key()

    rewritten = keyed.rotate_secrets(new_key, batch_size=2)

    assert rewritten == 6
    assert SEALED in _stored_credentials(keyed, "plain")  # type: ignore[operator]
    fresh = _sharing(keyed, new_key)
    assert {c.connector_id: c.config.credentials["api_key"] for c in fresh.connectors.list()} == {
        "plain": "stored-before-the-key",
        **{f"c{index}": f"s{index}" for index in range(5)},
    }
    with pytest.raises(SecretKeyError):
        _sharing(keyed, KEY).connectors.get("c0")
    assert keyed.connectors.get("c0") is not None  # the rotating store reads on


def test_the_reserved_name_is_refused_in_credentials_and_nothing_is_stored(keyed: Store) -> None:
    connector = Connector(
        connector_id="c", tenant_id="t", name="n", config=ConnectorConfig(credentials={SEALED: "x"})
    )

    with pytest.raises(ValidationError, match="reserves"):
        keyed.connectors.register(connector)

    assert keyed.connectors.get("c") is None


@pytest.mark.parametrize("key", ["short", "x" * 44, "", b"\x00" * 32])
def test_a_bad_key_is_a_validation_error_that_does_not_quote_it(
    open_same_store: StoreFactory, key: str | bytes
) -> None:
    with pytest.raises(ValidationError) as raised:
        open_same_store(secret_key=key)

    assert raised.value.field == "secret_key"
    if key:
        assert repr(key)[2:-1] not in str(raised.value)
