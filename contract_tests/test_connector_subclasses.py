"""A user's own connector subclass round-trips as itself on every backend, or is refused with
``ValidationError`` naming the class before anything is written; a stored kind no class of this
process declares reads as an ``UnknownKindConnector``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest

from integration_store import (
    Connector,
    ConnectorType,
    UnknownKindConnector,
    ValidationError,
)
from integration_store.model.connectors import CONNECTOR_CLASSES
from integration_store.store import Store

SINCE = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@attrs.frozen
class HttpConnector(Connector):
    kind: ClassVar[str] = "contract-http"
    connector_type: ConnectorType = attrs.field(default=ConnectorType.HTTP, init=False)
    base_url: str = "https://example.invalid"
    retries: int = 3
    weight: float = 1.0
    headers: dict[str, Any] = attrs.field(factory=dict)
    since: datetime | None = None
    batch: UUID | None = None


@attrs.frozen
class KindlessConnector(Connector):
    extra_setting: str = "x"


@attrs.frozen
class KindlessHttpConnector(HttpConnector):
    path: str = "/"


class NotAttrsConnector(Connector):
    kind: ClassVar[str] = "contract-not-attrs"


@attrs.frozen
class EmptyKindConnector(Connector):
    kind: ClassVar[str] = ""


@attrs.frozen
class ChangedHttpConnector(Connector):
    """``HttpConnector`` as another version of it declares it: ``retries`` is a time now."""

    kind: ClassVar[str] = "contract-http-changed"
    retries: datetime | None = None


@attrs.frozen
class SetConnector(Connector):
    kind: ClassVar[str] = "contract-set"
    flags: frozenset[str] = frozenset()


def _http(**fields: Any) -> HttpConnector:
    return HttpConnector(connector_id="h", tenant_id="t", name="H", **fields)


def test_a_user_subclass_round_trips_as_itself_with_its_fields_and_their_types(
    store: Store,
) -> None:
    http = _http(
        retries=2**40,
        weight=-0.0,
        headers={"$x": [1, 1.0]},
        since=SINCE,
        batch=UUID(int=5),
    )

    registered = store.connectors.register(http)

    for fetched in (
        store.connectors.get("h"),
        store.connectors.get_by_name("t", "H"),
        *store.connectors.list(),
    ):
        assert type(fetched) is HttpConnector
        assert fetched == registered
        assert repr(fetched.weight) == "-0.0"
        assert [type(item) for item in fetched.headers["$x"]] == [int, float]
    assert registered.connector_type is ConnectorType.HTTP


@pytest.mark.parametrize(
    ("connector", "named"),
    [
        (KindlessConnector(connector_id="k", tenant_id="t", name="K"), "KindlessConnector"),
        (KindlessHttpConnector(connector_id="k", tenant_id="t", name="K"), "KindlessHttpConnector"),
        (NotAttrsConnector(connector_id="k", tenant_id="t", name="K"), "NotAttrsConnector"),
        (SetConnector(connector_id="k", tenant_id="t", name="K"), "SetConnector.flags"),
        (EmptyKindConnector(connector_id="k", tenant_id="t", name="K"), "EmptyKindConnector"),
    ],
    ids=["no-kind", "inherited-kind", "not-attrs", "unstorable-field", "empty-kind"],
)
def test_a_subclass_the_store_cannot_give_back_is_refused_naming_it(
    store: Store, connector: Connector, named: str
) -> None:
    store.connectors.register(_http())

    with pytest.raises(ValidationError, match=named) as raised:
        store.connectors.register(connector)
    with pytest.raises(ValidationError, match=named):
        store.connectors.register_many([connector])

    assert raised.value.field == "connector"
    assert store.connectors.get("k") is None
    assert [type(item) for item in store.connectors.list()] == [HttpConnector]


def test_a_stored_kind_this_process_does_not_know_reads_flagged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered = store.connectors.register(_http(retries=7, since=SINCE))
    monkeypatch.delitem(CONNECTOR_CLASSES, HttpConnector.kind)

    fetched = store.connectors.get("h")
    (listed,) = store.connectors.list()

    assert type(fetched) is UnknownKindConnector
    assert listed == fetched
    assert fetched.stored_kind == "contract-http"
    assert fetched.stored_fields == {
        "base_url": "https://example.invalid",
        "retries": 7,
        "weight": 1.0,
        "headers": {},
        "since": SINCE.isoformat(),
        "batch": None,
    }
    assert (fetched.connector_id, fetched.name, fetched.created_at) == (
        "h",
        "H",
        registered.created_at,
    )
    assert fetched.connector_type is ConnectorType.HTTP


def test_an_unknown_kind_registered_again_is_stored_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.connectors.register(_http(retries=7, since=SINCE))
    with monkeypatch.context() as patched:
        patched.delitem(CONNECTOR_CLASSES, HttpConnector.kind)
        unknown = store.connectors.get("h")
        assert unknown is not None
        assert store.connectors.delete("h")
        store.connectors.register(unknown)

    fetched = store.connectors.get("h")

    assert type(fetched) is HttpConnector
    assert (fetched.retries, fetched.since) == (7, SINCE)


def test_an_unknown_kind_connector_naming_a_known_kind_is_refused(store: Store) -> None:
    forged = UnknownKindConnector(
        connector_id="u", tenant_id="t", name="U", stored_kind="contract-http"
    )

    with pytest.raises(ValidationError) as raised:
        store.connectors.register(forged)

    assert raised.value.field == "stored_kind"
    assert store.connectors.list() == []


def test_a_stored_connector_its_class_can_no_longer_take_reads_flagged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.connectors.register(_http(since=SINCE))
    monkeypatch.setitem(CONNECTOR_CLASSES, HttpConnector.kind, ChangedHttpConnector)

    (listed,) = store.connectors.list()

    assert type(listed) is UnknownKindConnector
    assert listed.stored_kind == "contract-http"
    assert listed.stored_fields["retries"] == 3
