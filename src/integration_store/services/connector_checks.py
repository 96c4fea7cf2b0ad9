"""Checks of connector input: every field by its declared kind, a few by narrower rules.

Kept apart from the registry so single and bulk registration share one validation path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

import attrs

from integration_store import values
from integration_store.errors import ValidationError
from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    ConnectorCapability,
    ConnectorConfig,
    UnknownKindConnector,
)
from integration_store.model.fields import field_specs
from integration_store.object_copies import checked_builder


def _check_config(config: object, field: str) -> ConnectorConfig:
    if not isinstance(config, ConnectorConfig):
        raise ValidationError(field, f"must be a ConnectorConfig, not {type(config).__name__}")
    return _new_config(check_instance(ConnectorConfig, config, f"{field}."))


_new_config: Final = checked_builder(ConnectorConfig, ())
"""``ConnectorConfig(**checked)``, its slots set directly (every connector checked makes one)."""


def _check_capabilities(capabilities: object, field: str) -> tuple[ConnectorCapability, ...]:
    if not isinstance(capabilities, list | tuple):
        raise ValidationError(field, "must be a list or tuple of ConnectorCapability")
    return tuple(
        values.enum_member(item, ConnectorCapability, f"{field}[{index}]")
        for index, item in enumerate(capabilities)
    )


_NARROWER_CHECKS: Final[dict[str, values.Checker]] = {
    "config": _check_config,
    "capabilities": _check_capabilities,
    "connection_count": values.counter,
    "error_count": values.counter,
}
"""Base connector fields whose rule is narrower than their declared kind."""

_NO_SHORTCUT: Final = object()
"""Stands for "every value of this field is checked" (a value is never this object)."""

_IMMUTABLE: Final = (str, int, float, bool, type(None), Enum)

Check = tuple[str, values.Checker, object]
"""A field's name, its check, and the default whose value needs no check (or ``_NO_SHORTCUT``)."""

_CHECKS: dict[type, tuple[Check, ...]] = {}


def _checks(cls: type) -> tuple[Check, ...]:
    checks = _CHECKS.get(cls)
    if checks is None:
        narrower = _NARROWER_CHECKS if issubclass(cls, Connector) else {}
        defaults = {field.name: field.default for field in attrs.fields(cls)}
        checks = _CHECKS[cls] = tuple(
            _check_of(
                spec.name,
                narrower.get(spec.name) or values.checker_for(spec.kind, spec.nullable, spec.of),
                defaults.get(spec.name, attrs.NOTHING),
            )
            for spec in field_specs(cls)
            if not spec.stamped
        )
    return checks


def _check_of(name: str, check: values.Checker, default: object) -> Check:
    """Most fields of most objects still hold the class's default. An immutable default that
    passes its own check unchanged is valid for good, so a value that *is* that object is
    taken as it is (anything else, even an equal value, is checked)."""
    immutable = isinstance(default, _IMMUTABLE) or (
        isinstance(default, tuple) and all(isinstance(item, _IMMUTABLE) for item in default)
    )
    if not immutable:
        return name, check, _NO_SHORTCUT
    try:
        checked = check(default, name)
    except ValidationError:
        return name, check, _NO_SHORTCUT
    unchanged = type(checked) is type(default) and checked == default
    return name, check, default if unchanged else _NO_SHORTCUT


def check_fields(cls: type, given: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Checked copies of the given fields of ``cls``, each by its declared kind, in field order.

    Store-stamped fields are left out: the store sets them, whatever was given.
    """
    checked = {}
    for name, check, valid_default in _checks(cls):
        if name in given:
            value = given[name]
            checked[name] = value if value is valid_default else check(value, prefix + name)
    return checked


_INSTANCE_CHECKS: dict[type, Callable[[Any, str], dict[str, Any]]] = {}


def check_instance(cls: type, instance: Any, prefix: str = "") -> dict[str, Any]:
    """``check_fields`` of ``cls``' every field, read from an attrs object (a connector, its
    config), with the loop written out once per class (as attrs writes an ``__init__``): bulk
    registration checks thousands of connectors."""
    check = _INSTANCE_CHECKS.get(cls)
    if check is None:
        check = _INSTANCE_CHECKS[cls] = _written_out_checks(cls)
    return check(instance, prefix)


def _written_out_checks(cls: type) -> Callable[[Any, str], dict[str, Any]]:
    # Each check gets its field's bare name; the prefix is added to a refusal's field only
    # (a prefixed name per field per connector was a tenth of checking a batch).
    namespace: dict[str, Any] = {"ValidationError": ValidationError}
    lines, items = [], []
    for index, (name, check, valid_default) in enumerate(_checks(cls)):
        namespace[f"c{index}"], namespace[f"d{index}"] = check, valid_default
        checked = f"c{index}(v{index}, {name!r})"
        if valid_default is not _NO_SHORTCUT:
            checked = f"v{index} if v{index} is d{index} else {checked}"
        lines.append(f"        v{index} = instance.{name}\n        v{index} = {checked}\n")
        items.append(f"{name!r}: v{index}")
    source = (
        f"def check(instance, prefix):\n    try:\n{''.join(lines)}"
        "    except ValidationError as refused:\n"
        "        if not prefix:\n"
        "            raise\n"
        "        raise ValidationError(prefix + refused.field, refused.message) from None\n"
        f"    return {{{', '.join(items)}}}\n"
    )
    exec(compile(source, f"<integration_store checks of {cls.__qualname__}>", "exec"), namespace)
    written: Callable[[Any, str], dict[str, Any]] = namespace["check"]
    return written


def check_connector(connector: object, at: str | None = None) -> Connector:
    """A normalised copy of the connector, or ``ValidationError`` naming the first bad field
    (``at``: see ``checked_connector_fields``)."""
    cls, checked = checked_connector_fields(connector, at)
    return cls(**checked)


def checked_connector_fields(
    connector: object, at: str | None = None
) -> tuple[type[Connector], dict[str, Any]]:
    """The connector's class and checked copies of its fields (store-stamped ones left out),
    or ``ValidationError`` naming the first bad field.

    ``at`` places the connector in a batch (``connectors[3]``): fields are then named under it
    (``connectors[3].name``); a single call names them bare (``name``).
    """
    if not isinstance(connector, Connector):
        raise ValidationError(
            at or "connector", f"must be a Connector, not {type(connector).__name__}"
        )
    cls = type(connector)
    if cls not in _STORABLE:
        _check_storable(cls, at or "connector")
        _STORABLE.add(cls)
    prefix = "" if at is None else f"{at}."
    checked = check_instance(cls, connector, prefix)
    values.check_write_size(checked, prefix, of=cls)
    if cls is UnknownKindConnector and checked["stored_kind"] in CONNECTOR_CLASSES:
        raise ValidationError(
            f"{prefix}stored_kind",
            f"{values.quoted(checked['stored_kind'])} is a known kind: build its own class",
        )
    return cls, checked


_STORABLE: Final[set[type]] = set()
"""Connector classes found storable (a class is checked once)."""


def _check_storable(cls: type[Connector], at: str) -> None:
    """``ValidationError`` naming the class unless the store can keep it and give it back:
    an attrs class, with its own ``kind`` (stored under another class's kind, it would come back
    as that class, its own fields dropped), every field of a kind the store keeps."""
    name = cls.__qualname__
    if "__attrs_attrs__" not in cls.__dict__:
        raise ValidationError(at, f"{name} must be an attrs class (@attrs.frozen) to be stored")
    if not isinstance(cls.kind, str) or CONNECTOR_CLASSES.get(cls.kind) is not cls:
        raise ValidationError(at, f"{name} must declare its own `kind: ClassVar[str]` to be stored")
    try:
        values.identifier(cls.kind, "kind")
        field_specs(cls)
    except (ValidationError, TypeError) as error:
        raise ValidationError(at, f"{name} cannot be stored: {error}") from None
