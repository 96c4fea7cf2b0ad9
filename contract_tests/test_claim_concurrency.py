"""Workers racing for one pending queue through claims: every response is interpreted exactly
once, and no response is ever held by two live leases.

Threads share one store here, on every backend; ``tests/test_claim_processes.py`` races
processes on a SQLite file and each server. The clock stands still, so no lease expires: a
response handed to two claimants would be a broken claim, never an expired lease.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest

from integration_store import CLAIMS, LeaseLostError
from integration_store.store import Store

WORKERS = 4
RESPONSES = 200
BATCH = 10
OWNER = "classifier"


def claim_and_interpret_until_empty(store: Store, claimant: str) -> tuple[list[UUID], int]:
    """A worker's loop: claim a batch, interpret each by its lease, stop at an empty claim.
    Returns the ids it claimed, in order, and how many of its interpretations were refused."""
    claimed: list[UUID] = []
    refused = 0
    for _ in range(RESPONSES):  # bounded: a worker never needs more rounds than responses
        batch = store.external_responses.claim_pending(OWNER, claimant, BATCH, lease_seconds=600)
        if not batch:
            break
        for response in batch:
            claimed.append(response.id)
            try:
                store.external_responses.interpret(
                    response.id, {"by": claimant}, claimant, claimant=claimant
                )
            except LeaseLostError:
                refused += 1
    return claimed, refused


@pytest.mark.requires(CLAIMS)
def test_threads_claiming_one_queue_interpret_every_response_exactly_once(store: Store) -> None:
    store.external_responses.record_raw_responses(
        [{"source": "s", "raw_response": {"n": n}, "interpretation_owner": OWNER}
         for n in range(RESPONSES)]
    )  # fmt: skip
    start = threading.Barrier(WORKERS)

    def worker(index: int) -> tuple[list[UUID], int]:
        start.wait()
        return claim_and_interpret_until_empty(store, f"worker-{index}")

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS)))

    claims = [response_id for claimed, _ in results for response_id in claimed]
    assert len(claims) == RESPONSES
    assert len(set(claims)) == RESPONSES  # no response was handed to two claimants
    assert [refused for _, refused in results] == [0] * WORKERS
    assert store.external_responses.get_pending_interpretations(OWNER) == []
    for index, (claimed, _) in enumerate(results):
        for response_id in claimed:
            interpreted = store.external_responses.get_interpreted(response_id)
            assert interpreted is not None and interpreted.interpreted_by == f"worker-{index}"
