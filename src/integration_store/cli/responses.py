"""``integration-store responses``: the pending queue, one response, and interpreting it.

A raw payload is shown only to its interpretation owner (``--owner``), as the library's
``get_raw_for_interpretation`` does; anyone else sees the interpretation."""

from __future__ import annotations

import uuid

import click

from .app import fail, opened_store
from .output import (
    as_dict,
    emit_json,
    json_option,
    parse_json_object,
    print_record,
    print_table,
)


def _response_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise click.BadParameter(f"not a UUID: {text!r}", param_hint="RESPONSE_ID") from error


@click.group()
def responses() -> None:
    """External responses: raw payloads and their interpretations."""


@responses.command("pending")
@click.argument("owner")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@json_option
def pending(owner: str, limit: int, as_json: bool) -> None:
    """OWNER's responses still to interpret, oldest first."""
    with opened_store() as store:
        found = store.external_responses.get_pending_interpretations(owner, limit)
    if as_json:
        emit_json([as_dict(response) for response in found])
        return
    print_table(
        f"Pending for {owner}",
        ("id", "source", "received at", "request id", "claimed by"),
        ((r.id, r.source, r.received_at, r.request_id, r.claimed_by) for r in found),
        fold=("id", "source", "request id", "claimed by"),
    )


@responses.command("show")
@click.argument("response_id")
@click.option("--owner", help="the interpretation owner: show the raw payload as it sees it")
@json_option
def show_response(response_id: str, owner: str | None, as_json: bool) -> None:
    """Show a response: raw (to its --owner) or its interpretation (exit 1 when none)."""
    key = _response_id(response_id)
    with opened_store() as store:
        service = store.external_responses
        found = (
            service.get_raw_for_interpretation(key, owner)
            if owner is not None
            else service.get_interpreted(key)
        )
    if found is None:
        fail(
            f"no response {response_id} owned by {owner!r}"
            if owner is not None
            else f"no interpreted response {response_id} (pass --owner to see a pending one)"
        )
        return
    if as_json:
        emit_json(as_dict(found))
    else:
        print_record(f"Response {response_id}", as_dict(found))


@responses.command("interpret")
@click.argument("response_id")
@click.option("--by", "interpreted_by", required=True, help="who interprets it (its owner)")
@click.option("--value", required=True, metavar="JSON", help="the interpretation, a JSON object")
@click.option("--reinterpret", is_flag=True, help="replace an earlier interpretation")
@json_option
def interpret(
    response_id: str, interpreted_by: str, value: str, reinterpret: bool, as_json: bool
) -> None:
    """Record the interpretation of a response."""
    key = _response_id(response_id)
    interpretation = parse_json_object(value, "--value")
    with opened_store() as store:
        done = store.external_responses.interpret(
            key, interpretation, interpreted_by, reinterpret=reinterpret
        )
    if as_json:
        emit_json(as_dict(done))
    else:
        click.echo(f"interpreted response {done.id} by {done.interpreted_by}")
