"""Workers and their per-tenant configuration overrides."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import attrs

from integration_store.model.fields import declare
from integration_store.model.schema import FieldKind


class WorkerStatus(str, Enum):
    """The statuses a worker may be given; ``AVAILABLE`` is the one that means runnable."""

    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"
    MAINTENANCE = "maintenance"
    DEPRECATED = "deprecated"


AVAILABLE = WorkerStatus.AVAILABLE.value
DEPRECATED = WorkerStatus.DEPRECATED.value


@attrs.frozen
class Worker:
    """A worker in the registry; ``status`` is a ``WorkerStatus`` value (kept as its text, so a
    status stored before the values were fixed still reads), ``"available"`` means runnable.

    ``revision`` counts the writes of the stored worker (1 once registered, 0 before)."""

    id: str
    name: str
    description: str | None = None
    version: str = "1.0.0"
    status: str = AVAILABLE
    is_public: bool = True
    moats: tuple[str, ...] = attrs.field(default=(), metadata=declare(FieldKind.JSON))
    default_config: dict[str, Any] = attrs.field(factory=dict)
    input_schema: dict[str, Any] = attrs.field(factory=dict)
    output_schema: dict[str, Any] = attrs.field(factory=dict)
    tokens_per_run_estimate: int | None = None
    cost_per_run_cents: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0


@attrs.frozen
class WorkerConfig:
    """A tenant's overrides for one worker; ``revision`` counts the writes of the stored config
    (1 when the first ``set_tenant_worker_config`` created it)."""

    tenant_id: str
    worker_id: str
    enabled: bool = True
    config: dict[str, Any] = attrs.field(factory=dict)
    brand: dict[str, Any] = attrs.field(factory=dict)
    max_runs_per_day: int | None = None
    max_tokens_per_run: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    revision: int = 0
