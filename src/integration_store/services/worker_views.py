"""The dict shapes upstream's worker registry returns, each declared once as its keys in order.

A shape is a tuple of keys; a key names a ``Worker`` field (tuples come out as lists, datetimes as
ISO text) unless the caller supplies its value, as the tenant listing does for its derived keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from integration_store.model.workers import Worker, WorkerConfig

SUMMARY: Final = (
    "id",
    "name",
    "description",
    "version",
    "status",
    "moats",
    "tokens_per_run_estimate",
    "cost_per_run_cents",
)
"""``get_worker_summary`` and each row of ``list_worker_summaries``."""

DETAILS: Final = (
    *SUMMARY[:5],
    "is_public",
    "moats",
    "default_config",
    "input_schema",
    "output_schema",
    *SUMMARY[-2:],
    "created_at",
    "updated_at",
)
"""``get_worker_details``: the summary plus visibility, schemas, defaults and timestamps."""

TENANT_ROW: Final = (
    *SUMMARY[:6],
    "enabled",
    "has_custom_config",
    "has_custom_brand",
    *SUMMARY[-2:],
)
"""Each row of ``get_workers_for_tenant`` (DESIGN lists these keys)."""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def shape(keys: tuple[str, ...], worker: Worker, **derived: Any) -> dict[str, Any]:
    """The worker as the dict of those keys, in that order; ``derived`` supplies non-fields."""
    return {key: derived[key] if key in derived else _plain(getattr(worker, key)) for key in keys}


def is_enabled(tenant_config: WorkerConfig | None) -> bool:
    """The tenant's ``enabled`` flag; a tenant that set nothing has the worker enabled."""
    return tenant_config.enabled if tenant_config is not None else True


def effective_config(worker: Worker, tenant_config: WorkerConfig | None) -> dict[str, Any]:
    """Upstream's merge: tenant keys override the worker's defaults; the tenant gives brand."""
    config = dict(worker.default_config)
    brand: dict[str, Any] = {}
    if tenant_config is not None:
        config.update(tenant_config.config)
        brand = dict(tenant_config.brand)
    return {
        "worker_id": worker.id,
        "enabled": is_enabled(tenant_config),
        "config": config,
        "brand": brand,
        "max_runs_per_day": tenant_config.max_runs_per_day if tenant_config else None,
        "max_tokens_per_run": tenant_config.max_tokens_per_run if tenant_config else None,
    }


def tenant_row(worker: Worker, tenant_config: WorkerConfig | None) -> dict[str, Any]:
    """One row of ``get_workers_for_tenant``; ``has_custom_config`` is ``bool`` of the merge,
    as upstream (true when only the worker's defaults exist)."""
    effective = effective_config(worker, tenant_config)
    return shape(
        TENANT_ROW,
        worker,
        enabled=effective["enabled"],
        has_custom_config=bool(effective["config"]),
        has_custom_brand=bool(effective["brand"]),
    )
