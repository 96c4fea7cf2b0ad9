"""Everything at once on one store: writers updating by revision while counting connections and
errors, config upserts of different fields, and claimants draining the pending queue — threads
on every backend. Each kind's own test isolates it; here they share the connections, the locks
and the backend, and still nothing is lost, nothing is done twice.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest

from integration_store import CLAIMS
from integration_store.store import Store

from .test_claim_concurrency import OWNER, RESPONSES, claim_and_interpret_until_empty
from .test_revision_concurrency import TENANT, assert_nothing_lost, prepare, write_rounds

WRITERS = 2
CLAIMANTS = 2
UPSERTERS = 2
UPSERTS = 20
CONFIG_WORKER = "upserted"


def _upsert_fields(store: Store, index: int) -> None:
    """Set one limit of one tenant config again and again (the other upserter sets the other;
    None leaves a stored value alone)."""
    for round_number in range(1, UPSERTS + 1):
        if index == 0:
            store.workers.set_tenant_worker_config(
                TENANT, CONFIG_WORKER, max_runs_per_day=round_number
            )
        else:
            store.workers.set_tenant_worker_config(
                TENANT, CONFIG_WORKER, max_tokens_per_run=round_number
            )


@pytest.mark.requires(CLAIMS)
def test_counters_revisions_upserts_and_claims_at_once_lose_nothing(store: Store) -> None:
    prepare(store)
    store.workers.register_worker(CONFIG_WORKER, "U")
    store.external_responses.record_raw_responses(
        [{"source": "s", "raw_response": {"n": n}, "interpretation_owner": OWNER}
         for n in range(RESPONSES)]
    )  # fmt: skip
    start = threading.Barrier(WRITERS + CLAIMANTS + UPSERTERS)

    def writer(_: int) -> int:
        start.wait()
        return write_rounds(store)

    def claimant(index: int) -> tuple[list[UUID], int]:
        start.wait()
        return claim_and_interpret_until_empty(store, f"claimant-{index}")

    def upserter(index: int) -> None:
        start.wait()
        _upsert_fields(store, index)

    with ThreadPoolExecutor(WRITERS + CLAIMANTS + UPSERTERS) as pool:
        writers = [pool.submit(writer, index) for index in range(WRITERS)]
        claimants = [pool.submit(claimant, index) for index in range(CLAIMANTS)]
        upserters = [pool.submit(upserter, index) for index in range(UPSERTERS)]
        for done in writers:
            done.result()
        for done_upserting in upserters:
            done_upserting.result()
        claimed = [future.result() for future in claimants]

    assert_nothing_lost(store, WRITERS)
    ids = [response_id for taken, _ in claimed for response_id in taken]
    assert len(ids) == len(set(ids)) == RESPONSES  # each response claimed once
    assert [refused for _, refused in claimed] == [0] * CLAIMANTS
    assert store.external_responses.get_pending_interpretations(OWNER) == []
    config = store.workers.get_tenant_worker_config(TENANT, CONFIG_WORKER)
    assert config is not None
    assert (config.max_runs_per_day, config.max_tokens_per_run) == (UPSERTS, UPSERTS)
    assert config.revision == UPSERTERS * UPSERTS
