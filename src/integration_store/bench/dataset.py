"""The benchmark's data: seeded rows, the inputs of write calls, and the payloads.

Everything is drawn from one ``random.Random(seed)``, so two runs (and every backend of one run)
store the same rows. Rows are produced as *records* (``integration_store.records``): the plain
dicts our backends store, so the raw baselines can seed and read them with our exact encoding.

Layout, for ``rows`` seeded connectors and as many seeded responses:

- connectors spread over ``TENANTS`` tenants; the first ("big") tenant holds half of them, so a
  keyset walk has many pages; names are shuffled words, so name order is not id order; a third
  of them are vector connectors (subclass fields in ``extra``);
- responses spread over ``OWNERS`` interpretation owners, one in four already interpreted; the
  pending queue read by the workloads is ``PENDING_OWNER``'s;
- ``INTERPRET_OWNER`` holds a separate set of responses that ``interpret`` rewrites again and
  again, so interpreting never drains the pending queue others read;
- created connectors go to ``NEW_TENANT`` and created responses to ``NEW_OWNER``, so writes never
  change what the read workloads see.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs

from integration_store.model.connectors import Connector, ConnectorConfig, VectorConnector
from integration_store.records import Record, connector_to_record

TENANTS: Final = 10
OWNERS: Final = 4
BIG_TENANT: Final = "tenant-00"
PENDING_OWNER: Final = "owner-0"
INTERPRET_OWNER: Final = "owner-interpret"
NEW_TENANT: Final = "tenant-new"
NEW_OWNER: Final = "owner-new"
SOURCE: Final = "openai"
START: Final = datetime(2025, 1, 1, tzinfo=UTC)
_WORDS: Final = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
)  # fmt: skip

NewConnector = Record
"""A connector as a caller hands it over: its record minus the fields the store stamps
(``created_at``, ``updated_at``) and those that start at their defaults."""

NewResponse = dict[str, Any]
"""``record_raw_response``'s arguments: ``source``, ``raw_response``, ``interpretation_owner``."""


def llm_payload(rng: random.Random, size: int) -> dict[str, Any]:
    """An LLM-style response body of about ``size`` bytes of JSON."""
    text = " ".join(rng.choice(_WORDS) for _ in range(max(1, size // 7)))
    payload: dict[str, Any] = {
        "id": f"chatcmpl-{rng.getrandbits(48):012x}",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": rng.randrange(10, 900), "completion_tokens": 57,
                  "total_tokens": 1000, "cost": 0.00042},
    }  # fmt: skip
    overshoot = len(json.dumps(payload)) - size
    if overshoot > 0:
        content = payload["choices"][0]["message"]
        content["content"] = content["content"][: max(1, len(text) - overshoot)]
    return payload


def connector(rng: random.Random, connector_id: str, tenant_id: str, name: str) -> Connector:
    """A connector as an application would build one: some config, options and metadata."""
    config = ConnectorConfig(
        endpoint=f"https://{rng.choice(_WORDS)}.example.com/v1",
        auth_type="api_key",
        credentials={"api_key": f"sk-{rng.getrandbits(64):016x}"},
        options={"region": rng.choice(("eu", "us")), "batch": rng.randrange(1, 64)},
    )
    metadata = {"team": rng.choice(_WORDS), "tags": [rng.choice(_WORDS), rng.choice(_WORDS)]}
    if rng.random() < 1 / 3:
        return VectorConnector(connector_id=connector_id, tenant_id=tenant_id, name=name,
                               config=config, metadata=metadata)  # fmt: skip
    return Connector(
        connector_id=connector_id, tenant_id=tenant_id, name=name, config=config, metadata=metadata
    )


def new_connector(value: Connector) -> NewConnector:
    """The plain-dict form of a connector for the baselines (enums as their values)."""
    record = connector_to_record(value)
    for stamped in ("created_at", "updated_at"):
        del record[stamped]
    plain: NewConnector = json.loads(json.dumps(record))
    return plain


def _tenant(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return BIG_TENANT
    return f"tenant-{rng.randrange(1, TENANTS):02d}"


@attrs.frozen
class Dataset:
    """The seeded rows of one run, generated on demand (large runs never hold them all)."""

    rows: int
    seed: int = 20250101

    def connector_records(self, start: int = 0) -> Iterator[Record]:
        """Seeded connector records ``start``..``rows`` (ids ``c-00000000``…), stamped."""
        for index in range(start, self.rows):
            yield self.connector_record(index)

    def connector_record(self, index: int) -> Record:
        """The seeded connector number ``index`` (each is drawn from its own seed)."""
        rng = random.Random(self.seed * 1_000_003 + index)
        # The index keeps names unique in their tenant at any size (random bits alone collide
        # by a million rows); the random prefix still keeps name order apart from id order.
        name = f"{rng.choice(_WORDS)}-{rng.getrandbits(32):08x}-{index}"
        stamp = START + timedelta(milliseconds=index)
        record = connector_to_record(connector(rng, f"c-{index:08d}", _tenant(rng), name))
        record.update(created_at=stamp, updated_at=stamp)
        if index % 5 == 0:
            record.update(status="connected", connection_count=index % 97, last_connected=stamp)
        return json_plain(record)

    def response_records(self, start: int = 0) -> Iterator[Record]:
        """Seeded response records ``start``..``rows`` plus, first, the interpret targets."""
        if start == 0:
            yield from self.interpret_targets()
        for index in range(start, self.rows):
            rng = random.Random(self.seed * 2_000_003 + index)
            owner = f"owner-{index % OWNERS}"
            received = START + timedelta(milliseconds=index // 2)  # ties broken by id
            interpreted = rng.random() < 0.25
            yield response_record(
                rng, owner, received, llm_payload(rng, 200),
                {"label": "ok"} if interpreted else None,
            )  # fmt: skip

    def interpret_targets(self) -> list[Record]:
        """The responses ``interpret`` works on (``INTERPRET_OWNER``'s)."""
        rng = random.Random(self.seed - 1)
        return [
            response_record(rng, INTERPRET_OWNER, START, llm_payload(rng, 200), None)
            for _ in range(INTERPRET_TARGETS)
        ]

    def sample_connectors(self, count: int) -> list[Record]:
        """``count`` seeded connectors picked at random (with repeats), in a seeded order."""
        rng = random.Random(self.seed + 7)
        return [self.connector_record(rng.randrange(self.rows)) for _ in range(count)]


INTERPRET_TARGETS: Final = 100


def response_record(
    rng: random.Random,
    owner: str,
    received: datetime,
    payload: dict[str, Any],
    interpreted: dict[str, Any] | None,
) -> Record:
    """One stored response record."""
    return {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "source": SOURCE,
        "raw_response": payload,
        "interpretation_owner": owner,
        "interpretation_contract": None,
        "request_id": f"req-{rng.getrandbits(32):08x}",
        "run_id": None,
        "received_at": received,
        "interpreted_value": interpreted,
        "interpreted_at": None if interpreted is None else received + timedelta(seconds=1),
        "interpreted_by": None if interpreted is None else "classifier",
        "claimed_by": None,
        "lease_expires_at": None,
    }


def json_plain(record: Record) -> Record:
    """A connector record with enum members replaced by their values (what a row reads back)."""
    for field in ("status", "connector_type"):
        record[field] = getattr(record[field], "value", record[field])
    record["capabilities"] = [getattr(item, "value", item) for item in record["capabilities"]]
    return record
