"""Calls with exactly one invalid argument: a declarative table and the rule that runs it.

Each row names a call of the public API, its valid arguments as a template
(``call_templates``), the one place in that template to spoil (``BAD``) and the strategy of bad
values for it. The template's other
slots name rows that exist when the call is drawn, so the only reason to refuse is the bad
value: ``ValidationError`` on both stores, with nothing written and nothing drawn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import rule

from integration_store import ValidationError

from .. import strategies as gen
from . import arguments as a
from .call_templates import (
    BAD,
    CONNECTOR_ID,
    RESPONSE_ID,
    TENANT,
    WORKER_ID,
    Arguments,
    Existing,
    InvalidCall,
    NewConnector,
    given,
)
from .harness import MachineHarness
from .invalid_bulk_calls import BULK_AND_CURSOR_CALLS
from .invalid_revision_calls import REVISION_CALLS
from .outcomes import DifferenceFound, Labelled, describe


def _other_forms_of_the_response_id(existing: Existing) -> st.SearchStrategy[Any]:
    return st.sampled_from([str(existing.response_id), existing.response_id.int, None])


def _text_forms_of_the_response_id(existing: Existing) -> st.SearchStrategy[Any]:
    return st.sampled_from([str(existing.response_id), existing.response_id.bytes])


BAD_ID = gen.invalid_identifiers()
BAD_JSON = gen.invalid_json_objects()
BAD_TEXT = st.sampled_from(gen.INVALID_TEXT)
BAD_INT = st.sampled_from([2**63, -(2**63) - 1, 1.5, "1", True, None])
NAIVE = st.sampled_from([datetime(2026, 1, 1), "2026-01-01T00:00:00+00:00", 1_700_000_000])
BAD_LIMIT = st.sampled_from(gen.INVALID_LIMITS).filter(lambda v: v is not None)
BAD_ENUM = st.sampled_from(gen.INVALID_ENUM_VALUES)
BAD_LEASE = st.sampled_from(
    [0, -1, 0.0005, 366 * 24 * 3600 + 1, float("nan"), float("inf"), "60", None, True]
)
BAD_CONNECTOR_FIELDS = st.sampled_from(
    [
        {"status": "bogus"},
        {"connector_type": "VECTOR"},
        {"capabilities": ("fly",)},
        {"capabilities": "read"},
        {"last_connected": datetime(2026, 1, 1)},
        {"connection_count": 2**63},
        {"error_count": -(2**63) - 1},
        {"error_count": True},
        {"last_error": "a\x00"},
        {"connector_id": "x" * 256},
    ]
)
BAD_WORKER_FIELDS = st.sampled_from(
    [
        {"description": "a\x00"},
        {"version": 1},
        {"status": None},
        {"is_public": 1},
        {"moats": ["ok", ""]},
        {"moats": "moat"},
        {"tokens_per_run_estimate": 2**63},
        {"cost_per_run_cents": 0.5},
    ]
)
NOT_NONE = BAD_JSON.filter(lambda v: v is not None)

INVALID_CALLS: tuple[InvalidCall, ...] = (
    InvalidCall("get(connector_id)", "connectors.get", given(BAD), BAD_ID),
    InvalidCall("get(tenant_id=)", "connectors.get", given(CONNECTOR_ID, tenant_id=BAD), BAD_ID),
    InvalidCall("get_by_name(tenant)", "connectors.get_by_name", given(BAD, "n"), BAD_ID),
    InvalidCall("get_by_name(name)", "connectors.get_by_name", given(TENANT, BAD), BAD_ID),
    InvalidCall("list(tenant_id)", "connectors.list", given(tenant_id=BAD), BAD_ID),
    InvalidCall("list(limit)", "connectors.list", given(limit=BAD), BAD_LIMIT),
    InvalidCall(
        "list(offset)",
        "connectors.list",
        given(offset=BAD),
        st.sampled_from(gen.INVALID_OFFSETS).filter(lambda v: v is not None),
    ),
    InvalidCall("list(connector_type)", "connectors.list", given(connector_type=BAD), BAD_ENUM),
    InvalidCall("list(status)", "connectors.list", given(status=BAD), BAD_ENUM),
    InvalidCall("delete", "connectors.delete", given(BAD), BAD_ID),
    InvalidCall(
        "delete(tenant_id=)", "connectors.delete", given(CONNECTOR_ID, tenant_id=BAD), BAD_ID
    ),
    InvalidCall("get_statistics", "connectors.get_statistics", given(BAD), BAD_ID),
    InvalidCall("clear_tenant", "connectors.clear_tenant", given(BAD), BAD_ID),
    InvalidCall("record_connection", "connectors.record_connection", given(BAD), BAD_ID),
    InvalidCall(
        "record_connection(now)", "connectors.record_connection", given(CONNECTOR_ID, BAD), NAIVE
    ),
    InvalidCall(
        "record_error(error)", "connectors.record_error", given(CONNECTOR_ID, BAD), BAD_TEXT
    ),
    InvalidCall(
        "record_error(now)", "connectors.record_error", given(CONNECTOR_ID, "e", BAD), NAIVE
    ),
    InvalidCall(
        "disconnect(tenant_id=)",
        "connectors.disconnect",
        given(CONNECTOR_ID, tenant_id=BAD),
        BAD_ID,
    ),
    InvalidCall(
        "create_vector_connector(tenant)",
        "connectors.create_vector_connector",
        given(BAD, "n"),
        BAD_ID,
    ),
    InvalidCall(
        "create_file_connector(name)",
        "connectors.create_file_connector",
        given(TENANT, BAD),
        BAD_ID,
    ),
    InvalidCall(
        "create_serverless_connector(config)",
        "connectors.create_serverless_connector",
        given(TENANT, "n", BAD),
        gen.invalid_connector_configs(),
    ),
    InvalidCall(
        "create_vector_connector(connector_id)",
        "connectors.create_vector_connector",
        given(TENANT, "n", connector_id=BAD),
        BAD_ID.filter(lambda v: v is not None),
    ),
    InvalidCall(
        "create_vector_connector(vector_dimension)",
        "connectors.create_vector_connector",
        given(TENANT, "n", vector_dimension=BAD),
        BAD_INT.filter(lambda v: v is not None),
    ),
    InvalidCall(
        "create_file_connector(base_path)",
        "connectors.create_file_connector",
        given(TENANT, "n", base_path=BAD),
        BAD_TEXT,
    ),
    InvalidCall(
        "register(metadata)",
        "connectors.register",
        given(NewConnector({"metadata": BAD})),
        BAD_JSON,
    ),
    InvalidCall(
        "register(field)", "connectors.register", given(NewConnector(BAD)), BAD_CONNECTOR_FIELDS
    ),
    InvalidCall(
        "register(not a connector)",
        "connectors.register",
        given(BAD),
        st.sampled_from([None, {"connector_id": "x"}, "x"]),
    ),
    InvalidCall(
        "record_raw_response(source)",
        "external_responses.record_raw_response",
        given(BAD, {}, "o"),
        BAD_ID,
    ),
    InvalidCall(
        "record_raw_response(raw_response)",
        "external_responses.record_raw_response",
        given("src", BAD, "o"),
        BAD_JSON,
    ),
    InvalidCall(
        "record_raw_response(interpretation_owner)",
        "external_responses.record_raw_response",
        given("src", {}, BAD),
        BAD_ID,
    ),
    InvalidCall(
        "record_raw_response(run_id)",
        "external_responses.record_raw_response",
        given("src", {}, "o", run_id=BAD),
        BAD_ID,
    ),
    InvalidCall(
        "interpret(interpreted_value)",
        "external_responses.interpret",
        given(RESPONSE_ID, BAD, "by"),
        BAD_JSON,
    ),
    InvalidCall(
        "interpret(interpreted_by)",
        "external_responses.interpret",
        given(RESPONSE_ID, {}, BAD),
        BAD_ID,
    ),
    InvalidCall(
        "interpret(response_id)",
        "external_responses.interpret",
        given(BAD, {}, "by"),
        _other_forms_of_the_response_id,
    ),
    InvalidCall(
        "interpret(claimant)",
        "external_responses.interpret",
        given(RESPONSE_ID, {}, "by", claimant=BAD),
        BAD_ID.filter(lambda v: v is not None),
    ),
    InvalidCall(
        "interpret(reinterpret)",
        "external_responses.interpret",
        given(RESPONSE_ID, {}, "by", reinterpret=BAD),
        st.sampled_from([1, "yes", None]),
    ),
    InvalidCall(
        "interpret(claimant, reinterpret)",
        "external_responses.interpret",
        given(RESPONSE_ID, {}, "by", claimant="c", reinterpret=BAD),
        st.just(True),
    ),
    InvalidCall(
        "claim_pending(interpretation_owner)",
        "external_responses.claim_pending",
        given(BAD, "c"),
        BAD_ID,
    ),
    InvalidCall(
        "claim_pending(claimant)", "external_responses.claim_pending", given("o", BAD), BAD_ID
    ),
    InvalidCall(
        "claim_pending(limit)", "external_responses.claim_pending", given("o", "c", BAD), BAD_LIMIT
    ),
    InvalidCall(
        "claim_pending(lease_seconds)",
        "external_responses.claim_pending",
        given("o", "c", lease_seconds=BAD),
        BAD_LEASE,
    ),
    InvalidCall(
        "release(response_id)",
        "external_responses.release",
        given(BAD, "c"),
        _other_forms_of_the_response_id,
    ),
    InvalidCall("release(claimant)", "external_responses.release", given(RESPONSE_ID, BAD), BAD_ID),
    InvalidCall(
        "get_raw_for_interpretation(expected_owner)",
        "external_responses.get_raw_for_interpretation",
        given(RESPONSE_ID, BAD),
        BAD_ID,
    ),
    InvalidCall(
        "get_interpreted(response_id)",
        "external_responses.get_interpreted",
        given(BAD),
        _text_forms_of_the_response_id,
    ),
    InvalidCall(
        "get_pending_interpretations(owner)",
        "external_responses.get_pending_interpretations",
        given(BAD),
        BAD_ID,
    ),
    InvalidCall(
        "get_pending_interpretations(limit)",
        "external_responses.get_pending_interpretations",
        given("o", BAD),
        BAD_LIMIT,
    ),
    InvalidCall("register_worker(worker_id)", "workers.register_worker", given(BAD, "n"), BAD_ID),
    InvalidCall(
        "register_worker(field)",
        "workers.register_worker",
        Arguments(("new-worker", "n"), BAD),
        BAD_WORKER_FIELDS,
    ),
    InvalidCall(
        "register_worker(default_config)",
        "workers.register_worker",
        given("new-worker", "n", default_config=BAD),
        NOT_NONE,
    ),
    InvalidCall(
        "update_worker_status(status)",
        "workers.update_worker_status",
        given(WORKER_ID, BAD),
        BAD_TEXT,
    ),
    InvalidCall(
        "set_tenant_worker_config(config)",
        "workers.set_tenant_worker_config",
        given(TENANT, WORKER_ID, config=BAD),
        NOT_NONE,
    ),
    InvalidCall(
        "set_tenant_worker_config(brand)",
        "workers.set_tenant_worker_config",
        given(TENANT, WORKER_ID, brand=BAD),
        NOT_NONE,
    ),
    InvalidCall(
        "set_tenant_worker_config(enabled)",
        "workers.set_tenant_worker_config",
        given(TENANT, WORKER_ID, enabled=BAD),
        st.sampled_from([1, None, "true"]),
    ),
    InvalidCall(
        "set_tenant_worker_config(max_runs_per_day)",
        "workers.set_tenant_worker_config",
        given(TENANT, WORKER_ID, max_runs_per_day=BAD),
        BAD_INT.filter(lambda v: v is not None),
    ),
    InvalidCall(
        "set_tenant_worker_config(tenant_id)",
        "workers.set_tenant_worker_config",
        given(BAD, WORKER_ID),
        BAD_ID,
    ),
    InvalidCall(
        "get_effective_worker_config(tenant_id)",
        "workers.get_effective_worker_config",
        given(BAD, WORKER_ID),
        BAD_ID,
    ),
    InvalidCall(
        "get_workers_for_tenant(include_disabled)",
        "workers.get_workers_for_tenant",
        given(TENANT, include_disabled=BAD),
        st.sampled_from([1, "yes"]),
    ),
    InvalidCall(
        "list_workers(public_only)",
        "workers.list_workers",
        given(public_only=BAD),
        st.sampled_from([0, "yes"]),
    ),
    InvalidCall("get_worker(worker_id)", "workers.get_worker", given(BAD), BAD_ID),
    *BULK_AND_CURSOR_CALLS,
    *REVISION_CALLS,
)
"""Every call of the public API the machine spoils, one argument at a time."""


def invalid_calls(
    connector_id: str, tenant: str, worker_id: str, response_id: UUID
) -> st.SearchStrategy[Labelled]:
    """One call of the public API with exactly one invalid argument (the others valid and, where
    they name rows, naming rows that exist), as ``(label, call)``."""
    existing = Existing(connector_id, tenant, worker_id, response_id)
    return st.one_of([row.calls(existing) for row in INVALID_CALLS])


class InvalidCallRules(MachineHarness):
    """The rule drawing one row of ``INVALID_CALLS``."""

    @rule(
        data=st.data(),
        connector_id=a.connector_ids,
        tenant=a.tenants,
        worker_id=a.worker_ids,
        response_id=a.response_ids,
    )
    def invalid_call(
        self,
        data: st.DataObject,
        connector_id: str,
        tenant: str,
        worker_id: str,
        response_id: UUID,
    ) -> None:
        """One argument of one call is invalid; the rest name existing rows."""
        label, call = data.draw(
            invalid_calls(connector_id, tenant, worker_id, response_id), label="invalid call"
        )
        before = self.snapshots()
        draws = self.draws()
        outcome = self.compare(f"invalid {label}", call)
        if not isinstance(outcome.error, ValidationError):
            raise DifferenceFound(f"invalid {label}: reference {describe(outcome)}")
        self.record(f"invalid {label} wrote", self.unchanged(before))
        self.record(
            f"invalid {label} drew",
            None if self.draws() == draws else f"draws {draws} -> {self.draws()}",
        )
