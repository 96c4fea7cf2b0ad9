"""``ExternalResponseService``: record raw payloads, let their owner interpret them, serve the
interpretation (never the raw payload) to consumers."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import Any, Final
from uuid import UUID

from integration_store import jsoncodec, leases, paging, values
from integration_store.errors import (
    AlreadyInterpretedError,
    ConflictError,
    LeaseLostError,
    ResponseAlreadyExistsError,
    ResponseNotFoundError,
    ValidationError,
)
from integration_store.model.responses import ExternalResponse, InterpretedResponse
from integration_store.object_copies import checked_builder
from integration_store.paging import Page
from integration_store.protocols import CLAIMS, ExternalResponseStorage, ResponseCondition
from integration_store.records import Record, from_record, new_response_record
from integration_store.services import idempotency
from integration_store.services.context import ServiceContext
from integration_store.services.response_checks import CheckedItem, check_item, checked_arguments

_NO_LEASE: Final[Mapping[str, Any]] = {"claimed_by": None, "lease_expires_at": None}
"""The changes that end a lease: an interpreted or released response is held by nobody."""


_new_external_response: Final = checked_builder(ExternalResponse, ())
"""``ExternalResponse(**record)`` of a new response's record, its slots set directly."""


class ExternalResponseService:
    """External responses on any backend; the pending queue is oldest ``received_at`` first."""

    def __init__(self, storage: ExternalResponseStorage, context: ServiceContext) -> None:
        self._storage = storage
        self._context = context

    def record_raw_response(
        self,
        source: str,
        raw_response: dict[str, object],
        interpretation_owner: str,
        interpretation_contract: str | None = None,
        request_id: str | None = None,
        run_id: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> ExternalResponse:
        """Store a raw payload as received, naming who may interpret it.

        With an ``idempotency_key`` (your ``request_id``, say) the call may be retried after
        ``OutcomeUnknownError``: a repeat of the same call returns the response the first one
        stored and stores nothing. Keys are scoped by interpretation owner and source; a key
        reused with other arguments raises ``ResponseAlreadyExistsError``. The response's id
        is then derived from the key (``services.idempotency``), not drawn from the id factory.
        """
        with jsoncodec.texts_reused():  # the payload is encoded once, by its check
            checked = checked_arguments(
                "",
                source,
                raw_response,
                interpretation_owner,
                interpretation_contract,
                request_id,
                run_id,
            )
            key = values.optional_identifier(idempotency_key, "idempotency_key")
            response_id = None
            if key is not None:
                owner, source_name = checked["interpretation_owner"], checked["source"]
                response_id = idempotency.response_id(key, owner, source_name)
            response, record = self._new_response(checked, response_id)
            try:
                self._storage.insert(record)
            except ConflictError as conflict:
                if key is None:
                    raise ResponseAlreadyExistsError(
                        f"external response {response.id} already exists"
                    ) from conflict
                return self._recorded_before(response.id, checked, key, conflict)
            return response

    def _recorded_before(
        self, response_id: UUID, checked: Mapping[str, Any], key: str, conflict: ConflictError
    ) -> ExternalResponse:
        """The response an earlier call stored under the same idempotency key, when that call
        had the same arguments."""
        stored = self._stored(response_id)
        if stored is not None and idempotency.is_same_request(stored, checked):
            return stored
        raise ResponseAlreadyExistsError(
            f"idempotency key {key!r} was used for another response ({response_id})"
        ) from conflict

    def record_raw_responses(self, items: Iterable[Mapping[str, object]]) -> list[ExternalResponse]:
        """Store many raw payloads in one backend round trip, all or nothing.

        Each item is a mapping of ``record_raw_response``'s arguments (``source``,
        ``raw_response`` and ``interpretation_owner`` required; ``idempotency_key`` too). Every
        item is validated before anything is drawn or written (``ValidationError`` naming it:
        ``items[2].raw_response``); then each item reads the clock and draws its id (or derives
        it from its key) exactly as ``record_raw_response`` would, in order. An id already
        stored or repeated in the batch raises ``ResponseAlreadyExistsError`` naming the item,
        and none of the batch is stored. A keyed item an earlier call stored with the same
        arguments is not stored again: the batch returns that response in its place and stores
        the rest, so a batch whose outcome was unknown can be sent again. At most
        ``values.MAX_BATCH`` items; an empty batch returns ``[]`` without a backend call.
        """
        with jsoncodec.texts_reused():  # each payload is encoded once, by its check
            return self._record_many(values.batch(items, "items"))

    def _record_many(self, batch: list[Any]) -> list[ExternalResponse]:
        checked = [check_item(item, f"items[{index}]") for index, item in enumerate(batch)]
        if not checked:
            return []
        made = [self._new_response(item.arguments, _keyed_id(item)) for item in checked]
        records = [record for _, record in made]
        seen: set[UUID] = set()
        for index, record in enumerate(records):
            if record["id"] in seen:
                raise _already_exists(record, index, "is repeated in the batch")
            seen.add(record["id"])
        try:
            self._storage.insert_many(records)
        except ConflictError as conflict:
            return self._record_rest(checked, made, conflict)
        return [response for response, _ in made]

    def _record_rest(
        self,
        checked: list[CheckedItem],
        made: list[tuple[ExternalResponse, Record]],
        conflict: ConflictError,
    ) -> list[ExternalResponse]:
        """The batch clashed with stored responses. Keyed items an earlier call stored with the
        same arguments are that call's responses, and the rest is stored (all or nothing);
        another clash raises, naming its item."""
        earlier: dict[int, ExternalResponse] = {}
        for index, (item, (response, _)) in enumerate(zip(checked, made, strict=True)):
            key = item.idempotency_key
            stored = None if key is None else self._stored(response.id)
            if stored is None:
                continue
            if not idempotency.is_same_request(stored, item.arguments):
                raise ResponseAlreadyExistsError(
                    f"items[{index}]: idempotency key {key!r} was used for another response "
                    f"({response.id})"
                ) from conflict
            earlier[index] = stored
        rest = [record for index, (_, record) in enumerate(made) if index not in earlier]
        if not earlier:  # no key was stored before: an id clash
            raise self._batch_conflict_error(made) from conflict
        if rest:
            try:
                self._storage.insert_many(rest)
            except ConflictError as clash:
                raise self._batch_conflict_error(made, earlier) from clash
        return [earlier.get(index, response) for index, (response, _) in enumerate(made)]

    def _stored(self, response_id: UUID) -> ExternalResponse | None:
        record = self._storage.get(response_id)
        return None if record is None else from_record(record, ExternalResponse)

    def _new_response(
        self, checked: Mapping[str, Any], response_id: UUID | None = None
    ) -> tuple[ExternalResponse, Record]:
        """The response to store, and its record. The clock is read before the id is drawn
        (unless the id is given), by the single and the bulk call alike; its payload is the
        check's fresh copy, shared with nothing the caller holds, so it is what the record
        calls return."""
        received_at = self._context.now()
        if response_id is None:
            response_id = self._context.new_id()
        record = new_response_record(response_id, received_at, checked)
        return _new_external_response(record), record

    def _batch_conflict_error(
        self, made: list[tuple[ExternalResponse, Record]], earlier: Container[int] = ()
    ) -> ResponseAlreadyExistsError:
        """Storage refused the batch: probe which id is already stored (but those of the
        ``earlier`` items, stored under their keys)."""
        for index, (_, record) in enumerate(made):
            if index not in earlier and self._storage.get(record["id"]) is not None:
                return _already_exists(record, index)
        return ResponseAlreadyExistsError("items: the batch clashed with a response removed since")

    def interpret(
        self,
        response_id: UUID,
        interpreted_value: dict[str, object],
        interpreted_by: str,
        *,
        claimant: str | None = None,
        reinterpret: bool = False,
    ) -> ExternalResponse:
        """Record the interpretation of a pending response, ending any lease on it.

        Without ``claimant`` (upstream's call) any pending response may be interpreted, leased
        or not; one already interpreted raises ``AlreadyInterpretedError`` unless
        ``reinterpret=True``, which replaces the earlier interpretation. With ``claimant``
        (backends with the ``claims`` capability) only that claimant's live lease may be
        completed, else ``LeaseLostError``. The check and the write are one atomic step.
        """
        with jsoncodec.texts_reused():  # the interpretation is encoded once, by its check
            return self._interpret(
                response_id, interpreted_value, interpreted_by, claimant, reinterpret
            )

    def _interpret(
        self,
        response_id: object,
        interpreted_value: object,
        interpreted_by: object,
        claimant: object,
        reinterpret: object,
    ) -> ExternalResponse:
        checked_id = values.uuid_value(response_id, "response_id")
        value = values.json_object(interpreted_value, "interpreted_value")
        by = values.identifier(interpreted_by, "interpreted_by")
        values.check_write_size({"interpreted_value": value, "interpreted_by": by})
        holder = values.optional_identifier(claimant, "claimant")
        again = values.boolean(reinterpret, "reinterpret")
        if holder is not None and again:
            raise ValidationError("reinterpret", "cannot be combined with claimant")
        if holder is not None:
            self._context.require(CLAIMS, "interpret(claimant=...)")
        now = self._context.now()
        changes = {"interpreted_value": value, "interpreted_at": now, "interpreted_by": by}
        condition = None
        if not again:
            condition = ResponseCondition(lease_holder=holder, live_at=now)
        return self._conditional_update(checked_id, {**changes, **_NO_LEASE}, condition)

    def claim_pending(
        self,
        interpretation_owner: str,
        claimant: str,
        limit: int = 100,
        lease_seconds: float = 60,
    ) -> list[ExternalResponse]:
        """Lease up to ``limit`` of the owner's pending responses to ``claimant`` for
        ``lease_seconds``, oldest ``received_at`` first, then by id; they come back leased.

        Only responses nobody holds are taken: never leased, released, or whose lease ended at
        or before now by the store's clock (so an expired lease can be claimed again, by anyone).
        Two claimants never hold one response while its lease is live. Complete each with
        ``interpret(..., claimant=claimant)`` or give it back with ``release``. Needs the
        ``claims`` capability (``UnsupportedOperationError`` otherwise).
        """
        owner = values.identifier(interpretation_owner, "interpretation_owner")
        who = values.identifier(claimant, "claimant")
        checked_limit, _ = values.page(limit, 0)
        lease = leases.lease_duration(lease_seconds, "lease_seconds")
        self._context.require(CLAIMS, "claim_pending")
        now = self._context.now()
        expires = leases.lease_end(now, lease, "lease_seconds")
        records = self._storage.claim(owner, who, now, expires, checked_limit)
        records.sort(key=lambda record: (record["received_at"], record["id"].int))
        return [from_record(record, ExternalResponse) for record in records]

    def release(self, response_id: UUID, claimant: str) -> ExternalResponse:
        """Give back a response ``claimant`` holds by a live lease, so it can be claimed again
        at once; returns it unleased. ``LeaseLostError`` when the claimant holds no live lease
        on it, ``ResponseNotFoundError`` for an unknown id. Needs the ``claims`` capability."""
        checked_id = values.uuid_value(response_id, "response_id")
        who = values.identifier(claimant, "claimant")
        self._context.require(CLAIMS, "release")
        now = self._context.now()
        condition = ResponseCondition(lease_holder=who, live_at=now)
        return self._conditional_update(checked_id, _NO_LEASE, condition)

    def _conditional_update(
        self,
        response_id: UUID,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None,
    ) -> ExternalResponse:
        """Apply ``changes`` if the response meets ``condition``; else the error saying why."""
        record = self._storage.update(response_id, changes, condition)
        if record is not None:
            return from_record(record, ExternalResponse)
        # Refused: a second look says whether the response exists at all. Responses are
        # never deleted, so one that is there now was there when the write was refused.
        if self._storage.get(response_id) is None:
            raise ResponseNotFoundError(f"external response {response_id} not found")
        if condition is not None and condition.lease_holder is not None:
            raise LeaseLostError(
                f"external response {response_id} is not leased to {condition.lease_holder!r}"
                " (never claimed by it, released, expired or interpreted)"
            )
        raise AlreadyInterpretedError(
            f"external response {response_id} is already interpreted (pass reinterpret=True)"
        )

    def get_raw_for_interpretation(
        self, response_id: UUID, expected_owner: str
    ) -> ExternalResponse | None:
        """The raw response, but only for its interpretation owner (None for anyone else)."""
        checked_id = values.uuid_value(response_id, "response_id")
        owner = values.identifier(expected_owner, "expected_owner")
        record = self._storage.get(checked_id)
        if record is None or record["interpretation_owner"] != owner:
            return None
        return from_record(record, ExternalResponse)

    def get_interpreted(self, response_id: UUID) -> InterpretedResponse | None:
        """The interpretation for consumers, without the raw payload; None until interpreted."""
        record = self._storage.get(values.uuid_value(response_id, "response_id"))
        if record is None or record["interpreted_at"] is None:
            return None
        response = from_record(record, ExternalResponse)
        assert response.interpreted_value is not None and response.interpreted_by is not None
        assert response.interpreted_at is not None
        return InterpretedResponse(
            id=response.id,
            source=response.source,
            interpretation_owner=response.interpretation_owner,
            interpreted_value=response.interpreted_value,
            interpreted_at=response.interpreted_at,
            interpreted_by=response.interpreted_by,
        )

    def get_pending_interpretations(
        self, interpretation_owner: str, limit: int = 100, *, after: str | None = None
    ) -> list[ExternalResponse]:
        """The owner's uninterpreted responses, oldest ``received_at`` first, then by id.

        ``after`` (a cursor from ``pending_page``) continues strictly after that position.
        """
        owner = values.identifier(interpretation_owner, "interpretation_owner")
        checked_limit, _ = values.page(limit, 0)
        key = None if after is None else paging.decode_pending_cursor(after)
        return [
            from_record(r, ExternalResponse)
            for r in self._storage.find_pending(owner, checked_limit, key)
        ]

    def pending_page(
        self, interpretation_owner: str, limit: int = 100, *, after: str | None = None
    ) -> Page[ExternalResponse]:
        """One keyset page of the pending queue: pass its ``next_cursor`` as ``after`` next.

        A response interpreted between pages leaves the queue without shifting later pages.
        """
        items = self.get_pending_interpretations(interpretation_owner, limit, after=after)
        last = items[-1] if items and len(items) == limit else None
        cursor = None if last is None else paging.pending_cursor(last.received_at, last.id)
        return Page(items=items, next_cursor=cursor)


def _already_exists(
    record: Record, index: int, why: str = "already exists"
) -> ResponseAlreadyExistsError:
    return ResponseAlreadyExistsError(f"items[{index}]: external response {record['id']} {why}")


def _keyed_id(item: CheckedItem) -> UUID | None:
    """The id an item's idempotency key gives its response (None: the id factory draws one)."""
    key = item.idempotency_key
    if key is None:
        return None
    arguments = item.arguments
    return idempotency.response_id(key, arguments["interpretation_owner"], arguments["source"])
