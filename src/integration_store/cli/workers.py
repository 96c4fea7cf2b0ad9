"""``integration-store workers``: the worker registry and per-tenant configuration."""

from __future__ import annotations

import click

from .app import opened_store
from .output import (
    as_dict,
    emit_json,
    json_option,
    parse_json_object,
    print_record,
    print_table,
)


@click.group()
def workers() -> None:
    """Workers: the registry of runnable workers and their per-tenant configuration."""


@workers.command("list")
@click.option("--status", help="only workers with this status")
@click.option("--all", "include_private", is_flag=True, help="include workers that are not public")
@json_option
def list_workers(status: str | None, include_private: bool, as_json: bool) -> None:
    """List workers, by name then id (public ones unless --all)."""
    with opened_store() as store:
        found = store.workers.list_workers(status=status, public_only=not include_private)
    if as_json:
        emit_json([as_dict(worker) for worker in found])
        return
    print_table(
        "Workers",
        ("id", "name", "version", "status", "public"),
        ((w.id, w.name, w.version, w.status, "yes" if w.is_public else "no") for w in found),
        fold=("id", "name"),
    )


@workers.command("show")
@click.argument("worker_id")
@json_option
def show_worker(worker_id: str, as_json: bool) -> None:
    """Show one worker (exit 1 when there is none)."""
    with opened_store() as store:
        worker = store.workers.get_worker_or_raise(worker_id)
    if as_json:
        emit_json(as_dict(worker))
    else:
        print_record(f"Worker {worker.id}", as_dict(worker))


@workers.command("register")
@click.argument("worker_id")
@click.argument("name")
@click.option("--description")
@click.option("--version", "release", default="1.0.0", show_default=True)
@click.option("--status", default="available", show_default=True)
@click.option("--private", is_flag=True, help="not listed among the public workers")
@click.option("--moat", "moats", multiple=True, help="a moat (repeatable)")
@click.option("--default-config", metavar="JSON", help="a JSON object of default configuration")
@click.option("--tokens-per-run", type=click.IntRange(0), help="estimated tokens per run")
@click.option("--cost-per-run-cents", type=click.IntRange(0))
@json_option
def register_worker(
    worker_id: str,
    name: str,
    description: str | None,
    release: str,
    status: str,
    private: bool,
    moats: tuple[str, ...],
    default_config: str | None,
    tokens_per_run: int | None,
    cost_per_run_cents: int | None,
    as_json: bool,
) -> None:
    """Register a worker WORKER_ID called NAME (exit 1 when the id is taken)."""
    defaults = parse_json_object(default_config, "--default-config") if default_config else None
    with opened_store() as store:
        worker = store.workers.register_worker(
            worker_id,
            name,
            description=description,
            version=release,
            status=status,
            is_public=not private,
            moats=list(moats),
            default_config=defaults,
            tokens_per_run_estimate=tokens_per_run,
            cost_per_run_cents=cost_per_run_cents,
        )
    if as_json:
        emit_json(as_dict(worker))
    else:
        print_record(f"Registered worker {worker.id}", as_dict(worker))


@workers.command("status")
@click.argument("worker_id")
@click.argument("status")
@json_option
def set_status(worker_id: str, status: str, as_json: bool) -> None:
    """Set a worker's STATUS (e.g. available, deprecated)."""
    with opened_store() as store:
        worker = store.workers.update_worker_status(worker_id, status)
    if as_json:
        emit_json(as_dict(worker))
    else:
        click.echo(f"worker {worker.id} is now {worker.status}")


@workers.command("config")
@click.argument("tenant")
@click.argument("worker_id")
@click.option("--enable/--disable", "enabled", default=None, help="enable it for the tenant")
@click.option("--config", "config_json", metavar="JSON", help="the tenant's configuration")
@click.option("--brand", "brand_json", metavar="JSON", help="the tenant's brand settings")
@click.option("--max-runs-per-day", type=click.IntRange(0))
@click.option("--max-tokens-per-run", type=click.IntRange(0))
@json_option
def tenant_config(
    tenant: str,
    worker_id: str,
    enabled: bool | None,
    config_json: str | None,
    brand_json: str | None,
    max_runs_per_day: int | None,
    max_tokens_per_run: int | None,
    as_json: bool,
) -> None:
    """Show a worker's effective configuration for TENANT; with an option, change the
    tenant's settings first (what no option names is left as it is)."""
    config = parse_json_object(config_json, "--config") if config_json else None
    brand = parse_json_object(brand_json, "--brand") if brand_json else None
    changes = (enabled, config, brand, max_runs_per_day, max_tokens_per_run)
    with opened_store() as store:
        service = store.workers
        if any(change is not None for change in changes):
            service.get_worker_or_raise(worker_id)
            if enabled is None:
                enabled = service.is_worker_enabled_for_tenant(tenant, worker_id)
            service.set_tenant_worker_config(
                tenant,
                worker_id,
                enabled=enabled,
                config=config,
                brand=brand,
                max_runs_per_day=max_runs_per_day,
                max_tokens_per_run=max_tokens_per_run,
            )
        effective = service.get_effective_worker_config(tenant, worker_id)
    if as_json:
        emit_json(effective)
    else:
        print_record(f"Worker {worker_id} for tenant {tenant}", effective)
