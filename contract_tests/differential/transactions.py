"""Generated units of work over all three drivers: committed, aborted, or rolled back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import MultipleResults, multiple, precondition, rule

from integration_store import Connector, ExternalResponse
from integration_store.store import Store

from .. import strategies as gen
from . import arguments as a
from .harness import MachineHarness
from .outcomes import Call, Labelled, Outcome, Services, outcome_difference, outcome_of


class _Abort(Exception):
    """Raised at the end of a generated transaction that must roll back."""


def transaction_steps() -> st.SearchStrategy[Labelled]:
    """Calls to run inside a generated unit of work (writes of every driver, reads of own
    writes, a caught error), drawing ids from the machine's bundles."""

    def step(label: str, make: Callable[..., Call], *args: st.SearchStrategy[Any]) -> Any:
        return st.tuples(*args).map(lambda values: (label, make(*values)))

    return st.one_of(
        step(
            "create_file_connector",
            lambda t, n: lambda s: s.connectors.create_file_connector(t, n),
            a.tenants,
            a.names,
        ),
        step(
            "record_connection",
            lambda c: lambda s: s.connectors.record_connection(c),
            a.connector_ids,
        ),
        step(
            "record_error",
            lambda c, e: lambda s: s.connectors.record_error(c, e),
            a.connector_ids,
            gen.free_text(8),
        ),
        step("disconnect", lambda c: lambda s: s.connectors.disconnect(c), a.connector_ids),
        step("delete", lambda c: lambda s: s.connectors.delete(c), a.connector_ids),
        step("clear_tenant", lambda t: lambda s: s.connectors.clear_tenant(t), a.tenants),
        step(
            "list(tenant)",
            lambda t: lambda s: s.connectors.list(tenant_id=t, limit=a.ALL),
            a.tenants,
        ),
        step("get", lambda c: lambda s: s.connectors.get(c), a.connector_ids),
        step("get_statistics", lambda t: lambda s: s.connectors.get_statistics(t), a.tenants),
        step(
            "register_worker",
            lambda w, n, c: lambda s: s.workers.register_worker(w, n, default_config=c),
            st.one_of(a.worker_ids, gen.identifiers()),
            a.names,
            a.optional_json,
        ),
        step(
            "update_worker_status",
            lambda w, st_: lambda s: s.workers.update_worker_status(w, st_),
            a.worker_ids,
            a.worker_statuses,
        ),
        step(
            "set_tenant_worker_config",
            lambda t, w, e, c: lambda s: s.workers.set_tenant_worker_config(t, w, e, c),
            a.tenants,
            a.worker_ids,
            st.booleans(),
            a.optional_json,
        ),
        step(
            "get_workers_for_tenant",
            lambda t: lambda s: s.workers.get_workers_for_tenant(t, include_disabled=True),
            a.tenants,
        ),
        step(
            "record_raw_response",
            lambda o, r: lambda s: s.external_responses.record_raw_response("tx", r, o),
            a.owners,
            gen.json_objects(6),
        ),
        step(
            "interpret",
            lambda r, v: lambda s: s.external_responses.interpret(r, v, "tx"),
            a.response_ids,
            gen.json_objects(6),
        ),
        step(
            "pending",
            lambda o: lambda s: s.external_responses.get_pending_interpretations(o, a.ALL),
            a.owners,
        ),
        step(
            "invalid get_by_name",
            lambda t: lambda s: s.connectors.get_by_name(t, "x" * 256),
            a.tenants,
        ),
    )


class TransactionRules(MachineHarness):
    """The rule running a generated unit of work (only where the backend offers transactions)."""

    @precondition(lambda self: self.has_transactions)
    @rule(
        target=a.connector_ids,
        ending=st.sampled_from(["commit", "commit", "abort", "escape"]),
        data=st.data(),
        count=st.integers(min_value=1, max_value=5),
    )
    def transaction(self, ending: str, data: st.DataObject, count: int) -> MultipleResults[str]:
        """A unit of work over all three drivers that commits, is aborted by the caller, or is
        rolled back by the first error of a step escaping the block; rolled back, it leaves
        nothing behind."""
        steps = [data.draw(transaction_steps(), label=f"step {i}") for i in range(count)]
        # A call on the store itself inside the block joins the unit of work in that thread.
        via_store = [data.draw(st.sampled_from([False, False, True])) for _ in steps]
        before = self.snapshots()

        def run(store: Store) -> tuple[list[Outcome], Outcome]:
            results: list[Outcome] = []

            def work(_: Services) -> None:
                with store.transaction() as tx:
                    for (_label, call), on_store in zip(steps, via_store, strict=True):
                        results.append(outcome_of(call, store if on_store else tx))
                        if ending == "escape" and results[-1].error is not None:
                            raise results[-1].error
                    if ending == "abort":
                        raise _Abort()

            whole = outcome_of(work, store)
            if isinstance(whole.error, _Abort):
                whole = Outcome(value="aborted")
            return results, whole

        actual, actual_whole = run(self.store)
        expected, expected_whole = run(self.reference)
        for (label, _), left, right in zip(steps, actual, expected, strict=False):
            self.record(f"transaction: {label}", outcome_difference(left, right))
        self.record(f"transaction ({ending})", outcome_difference(actual_whole, expected_whole))
        committed = expected_whole.error is None and ending != "abort"
        if not committed:
            self.record(f"rolled back transaction ({ending}) left", self.unchanged(before))
        kept = [result.value for result in expected if committed and result.error is None]
        for response in kept:
            if isinstance(response, ExternalResponse):
                self.known_responses[response.id] = response.interpretation_owner
        return multiple(*(row.connector_id for row in kept if isinstance(row, Connector)))
