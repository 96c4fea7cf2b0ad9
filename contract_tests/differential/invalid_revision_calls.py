"""Rows of the invalid-call table for the updates that take ``expected_revision``: a bad
revision, status, config or metadata (``invalid_calls`` runs them with the others)."""

from __future__ import annotations

from hypothesis import strategies as st

from .. import strategies as gen
from .call_templates import BAD, CONNECTOR_ID, TENANT, WORKER_ID, Arguments, InvalidCall, given

BAD_REVISION = st.sampled_from([-1, -(2**63), 2**63, 1.0, "1", True, b"1"])
"""Not a non-negative 64-bit int (None means "no check", so it is valid)."""

BAD_WORKER_CHANGES = st.sampled_from(
    [
        {"name": ""},
        {"description": "a\x00"},
        {"version": 1},
        {"is_public": 1},
        {"moats": ["ok", ""]},
        {"moats": "moat"},
        {"default_config": [1]},
        {"tokens_per_run_estimate": 2**63},
        {"cost_per_run_cents": 0.5},
        {"status": "x", "expected_revision": -1},
    ]
)
"""Keyword arguments of ``update_worker`` with one bad value (None keeps a field: valid)."""

REVISION_CALLS: tuple[InvalidCall, ...] = (
    InvalidCall(
        "update_status(expected_revision)",
        "connectors.update_status",
        given(CONNECTOR_ID, "ready", expected_revision=BAD),
        BAD_REVISION,
    ),
    InvalidCall(
        "update_status(status)",
        "connectors.update_status",
        given(CONNECTOR_ID, BAD, expected_revision=1),
        st.sampled_from(gen.INVALID_ENUM_VALUES).filter(lambda v: v is not None),
    ),
    InvalidCall(
        "update_config(config)",
        "connectors.update_config",
        given(CONNECTOR_ID, BAD),
        gen.invalid_connector_configs(),
    ),
    InvalidCall(
        "update_metadata(metadata)",
        "connectors.update_metadata",
        given(CONNECTOR_ID, BAD),
        gen.invalid_json_objects(),
    ),
    InvalidCall(
        "update_metadata(expected_revision)",
        "connectors.update_metadata",
        given(CONNECTOR_ID, {}, expected_revision=BAD),
        BAD_REVISION,
    ),
    InvalidCall(
        "deprecate_worker(expected_revision)",
        "workers.deprecate_worker",
        given(WORKER_ID, expected_revision=BAD),
        BAD_REVISION,
    ),
    InvalidCall(
        "update_worker(field)",
        "workers.update_worker",
        Arguments((WORKER_ID,), BAD),
        BAD_WORKER_CHANGES,
    ),
    InvalidCall(
        "set_tenant_worker_config(expected_revision)",
        "workers.set_tenant_worker_config",
        given(TENANT, WORKER_ID, expected_revision=BAD),
        BAD_REVISION,
    ),
)
"""Every update taking a revision, spoiled one argument at a time."""
