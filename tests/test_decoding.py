"""Record → object decoding: a plain slotted class has its slots set directly, and the result
is the object its ``__init__`` would have built; any class with more to its ``__init__`` is
built through it."""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

import attrs
import pytest

from integration_store.decoding import _compiled, decoder_for
from integration_store.json_copies import kept_record_copier
from integration_store.model import schema
from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    ConnectorCapability,
    ConnectorConfig,
    ConnectorStatus,
    VectorConnector,
)
from integration_store.records import connector_from_record, connector_to_record


class Colour(str, Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Plain:
    name: str
    colour: Colour = Colour.RED
    tags: tuple[Colour, ...] = ()
    counted: int = attrs.field(default=0, converter=int)
    notes: dict[str, Any] = attrs.field(factory=dict)
    derived: list[str] = attrs.field(init=False, factory=list)


@attrs.frozen
class Checked:
    size: int = attrs.field(validator=attrs.validators.ge(0))


@attrs.frozen
class Hooked:
    name: str
    seen: list[str] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.name)


@attrs.frozen(cache_hash=True)
class HashCached:
    name: str


def _sets_slots(cls: type) -> bool:
    return "writer" in _compiled(cls)[0].__globals__


def test_a_plain_class_is_built_by_setting_its_slots_as_init_would() -> None:
    record = {"name": "a", "colour": "blue", "tags": ["red", "blue"], "counted": "7",
              "notes": {"k": [1]}}  # fmt: skip
    decoded = decoder_for(Plain)(record)
    assert _sets_slots(Plain)
    assert decoded == Plain("a", Colour.BLUE, (Colour.RED, Colour.BLUE), 7, {"k": [1]})
    assert type(decoded.colour) is Colour and decoded.counted == 7  # own converter applied
    assert decoded.derived == [] and decoder_for(Plain)(record).derived is not decoded.derived


def test_a_plain_class_missing_a_field_gets_its_default() -> None:
    decoded = decoder_for(Plain)({"name": "a"})
    assert decoded == Plain("a")


def test_an_unknown_enum_value_raises_the_enums_own_error() -> None:
    with pytest.raises(ValueError, match="'green' is not a valid Colour"):
        decoder_for(Plain)({"name": "a", "colour": "green"})


@pytest.mark.parametrize("cls", [Checked, Hooked, HashCached])
def test_a_class_with_more_to_its_init_is_built_through_it(cls: type) -> None:
    assert not _sets_slots(cls)


def test_validators_and_hooks_run_when_decoding() -> None:
    with pytest.raises(ValueError, match="size"):
        decoder_for(Checked)({"size": -1})
    assert decoder_for(Hooked)({"name": "h"}).seen == ["h"]
    assert hash(decoder_for(HashCached)({"name": "x"})) == hash(HashCached("x"))


@pytest.mark.parametrize("cls", [Connector, VectorConnector, ConnectorConfig])
def test_the_model_classes_set_their_slots(cls: type) -> None:
    assert _sets_slots(cls)


def test_a_connector_read_back_equals_the_one_stored() -> None:
    stored = VectorConnector(
        "c1", "t1", "vectors", ConnectorConfig(credentials={"api_key": "k"}, options={"a": [1]}),
        vector_dimension=8, status=ConnectorStatus.READY,
        capabilities=(ConnectorCapability.READ,), metadata={"team": {"x": 1}}, revision=3,
    )  # fmt: skip
    decoded = connector_from_record(connector_to_record(stored))
    assert decoded == stored and type(decoded) is VectorConnector
    assert type(decoded.status) is ConnectorStatus
    assert type(decoded.capabilities) is tuple


def test_a_decoded_object_is_of_its_own_class_and_as_frozen_as_one_built() -> None:
    registered = dict(CONNECTOR_CLASSES)
    decoded = connector_from_record(connector_to_record(VectorConnector("c", "t", "n")))
    assert type(decoded) is VectorConnector and type(decoded.config) is ConnectorConfig
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.name = "renamed"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del decoded.config.options  # type: ignore[misc]
    assert registered == CONNECTOR_CLASSES  # the writing subclass declares no kind


PLUGINS: dict[str, type] = {}


@attrs.frozen
class PluginBase(Connector):
    kind: ClassVar[str] = "test-plugin-base"

    def __init_subclass__(cls, **kwargs: Any) -> None:  # an app's registry of plugins
        super().__init_subclass__(**kwargs)
        PLUGINS[cls.__name__] = cls


@attrs.frozen
class SlackPlugin(PluginBase):
    kind: ClassVar[str] = "test-slack"


def test_no_hook_of_an_app_sees_a_class_of_the_library() -> None:
    stored = SlackPlugin("c", "t", "n", metadata={"a": [1]})
    kept = kept_record_copier(schema.CONNECTOR)(connector_to_record(stored))
    reads = [connector_from_record(kept) for _ in range(3)]  # decoded, kept, copied
    assert reads == [stored] * 3 and {type(read) for read in reads} == {SlackPlugin}
    assert {"SlackPlugin": SlackPlugin} == PLUGINS
    assert SlackPlugin.__subclasses__() == []
    assert not _sets_slots(SlackPlugin)  # built through its ``__init__``
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        reads[2].name = "renamed"  # type: ignore[misc]
