"""``integration-store connectors``: list, show, add, delete and count connectors.

Credentials are masked (``***``) in every output unless ``--show-secrets`` is given."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import IO, Any, TypeVar

import click

from integration_store.model.connectors import (
    Connector,
    ConnectorConfig,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
)

from .app import fail, opened_store
from .output import (
    emit_json,
    json_option,
    parse_json_object,
    parse_pairs,
    print_record,
    print_table,
)

F = TypeVar("F", bound=Callable[..., Any])

_CLASSES: dict[str, type[Connector]] = {
    "vector": VectorConnector,
    "file": FileConnector,
    "serverless": ServerlessConnector,
}
"""The types stored as their own class (with their own fields); every other is a Connector."""


def secrets_option(function: F) -> F:
    """``--show-secrets``: print credential values instead of ``***``."""
    return click.option(
        "--show-secrets", is_flag=True, help="print credential values (masked by default)"
    )(function)


def tenant_option(function: F) -> F:
    """``--tenant``: only that tenant's connectors (another tenant's count as missing)."""
    return click.option("--tenant", metavar="TENANT", help="scope to one tenant")(function)


@click.group()
def connectors() -> None:
    """Connectors: configured access to outside systems."""


@connectors.command("list")
@tenant_option
@click.option("--type", "connector_type", type=click.Choice([t.value for t in ConnectorType]))
@click.option("--status", type=click.Choice([s.value for s in ConnectorStatus]))
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@json_option
@secrets_option
def list_connectors(
    tenant: str | None,
    connector_type: str | None,
    status: str | None,
    limit: int,
    offset: int,
    as_json: bool,
    show_secrets: bool,
) -> None:
    """List connectors, by name then id."""
    with opened_store() as store:
        found = store.connectors.list(
            tenant_id=tenant,
            connector_type=ConnectorType(connector_type) if connector_type else None,
            status=ConnectorStatus(status) if status else None,
            limit=limit,
            offset=offset,
        )
    if as_json:
        emit_json([connector.to_dict(include_secrets=show_secrets) for connector in found])
        return
    print_table(
        "Connectors",
        ("id", "tenant", "name", "type", "status", "connections", "errors"),
        (
            (
                c.connector_id,
                c.tenant_id,
                c.name,
                c.connector_type,
                c.status,
                c.connection_count,
                c.error_count,
            )
            for c in found
        ),
        fold=("id", "tenant", "name"),
    )


def _print_connector(connector: Connector, as_json: bool, show_secrets: bool) -> None:
    shown = connector.to_dict(include_secrets=show_secrets)
    if as_json:
        emit_json(shown)
    else:
        print_record(f"Connector {connector.connector_id}", shown)


@connectors.command("show")
@click.argument("connector_id")
@tenant_option
@json_option
@secrets_option
def show_connector(
    connector_id: str, tenant: str | None, as_json: bool, show_secrets: bool
) -> None:
    """Show one connector, its configuration and counters."""
    with opened_store() as store:
        connector = store.connectors.get(connector_id, tenant_id=tenant)
    if connector is None:
        fail(f"no connector {connector_id!r}" + (f" in tenant {tenant!r}" if tenant else ""))
        return
    _print_connector(connector, as_json, show_secrets)


@connectors.command("add")
@click.argument("tenant")
@click.argument("name")
@click.option(
    "--type",
    "connector_type",
    type=click.Choice([t.value for t in ConnectorType]),
    default="custom",
    show_default=True,
)
@click.option("--id", "connector_id", help="the connector's id (default: a new UUID)")
@click.option("--endpoint")
@click.option("--auth-type")
@click.option("--timeout-seconds", type=click.IntRange(0), default=30, show_default=True)
@click.option(
    "--credential",
    "credentials",
    multiple=True,
    metavar="KEY=VALUE",
    help="a credential (repeatable); prefer --credentials-file, which keeps secrets "
    "out of the shell history",
)
@click.option(
    "--credentials-file",
    type=click.File("r"),
    metavar="PATH",
    help="a JSON object of credentials ('-': standard input)",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="a connector option (repeatable)",
)
@click.option("--metadata", metavar="JSON", help="a JSON object of metadata")
@click.option(
    "--vector-dimension", type=int, default=1536, show_default=True, help="vector connectors"
)
@click.option("--distance-metric", default="cosine", show_default=True, help="vector connectors")
@click.option("--storage-type", default="local", show_default=True, help="file connectors")
@click.option("--base-path", default="/", show_default=True, help="file connectors")
@click.option("--platform", default="aws_lambda", show_default=True, help="serverless connectors")
@click.option("--region", default="us-east-1", show_default=True, help="serverless connectors")
@json_option
@secrets_option
def add_connector(
    tenant: str,
    name: str,
    connector_type: str,
    connector_id: str | None,
    endpoint: str | None,
    auth_type: str | None,
    timeout_seconds: int,
    credentials: tuple[str, ...],
    credentials_file: IO[str] | None,
    options: tuple[str, ...],
    metadata: str | None,
    vector_dimension: int,
    distance_metric: str,
    storage_type: str,
    base_path: str,
    platform: str,
    region: str,
    as_json: bool,
    show_secrets: bool,
) -> None:
    """Register a connector for TENANT called NAME."""
    secrets = parse_pairs(credentials, "--credential")
    if credentials_file is not None:
        secrets.update(parse_json_object(credentials_file.read(), "--credentials-file"))
    config = ConnectorConfig(
        endpoint=endpoint,
        auth_type=auth_type,
        timeout_seconds=timeout_seconds,
        credentials=secrets,
        options=dict(parse_pairs(options, "--option")),
    )
    own_fields: dict[str, dict[str, Any]] = {
        "vector": {"vector_dimension": vector_dimension, "distance_metric": distance_metric},
        "file": {"storage_type": storage_type, "base_path": base_path},
        "serverless": {"platform": platform, "region": region},
    }
    cls, fields = _CLASSES.get(connector_type, Connector), own_fields.get(connector_type, {})
    if cls is Connector:
        fields = {"connector_type": ConnectorType(connector_type)}
    connector = cls(
        connector_id=connector_id or str(uuid.uuid4()),
        tenant_id=tenant,
        name=name,
        config=config,
        metadata=parse_json_object(metadata, "--metadata") if metadata is not None else {},
        **fields,
    )
    with opened_store() as store:
        created = store.connectors.register(connector)
    _print_connector(created, as_json, show_secrets)


@connectors.command("delete")
@click.argument("connector_id")
@tenant_option
@json_option
def delete_connector(connector_id: str, tenant: str | None, as_json: bool) -> None:
    """Delete one connector (exit 1 when there is none)."""
    with opened_store() as store:
        deleted = store.connectors.delete(connector_id, tenant_id=tenant)
    if not deleted:
        fail(f"no connector {connector_id!r}" + (f" in tenant {tenant!r}" if tenant else ""))
        return
    if as_json:
        emit_json({"deleted": connector_id})
    else:
        click.echo(f"deleted connector {connector_id}")


@connectors.command("stats")
@tenant_option
@json_option
def connector_stats(tenant: str | None, as_json: bool) -> None:
    """Counts of connectors by status and type, and their connections and errors."""
    with opened_store() as store:
        stats = store.connectors.get_statistics(tenant_id=tenant).to_dict()
    if as_json:
        emit_json(stats)
    else:
        print_record("Connector statistics" + (f" of {tenant}" if tenant else ""), stats)
