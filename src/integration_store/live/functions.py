"""``FunctionClient``: the live side of a ``ServerlessConnector`` — invoke its functions, list
them, and read an invocation's outcome from its record.

The connector's ``platform`` says where functions run (``live.function_platforms``: ``local``,
``http``, ``aws_lambda``); every invocation is a record in the store (``live.invocations``), so
its result is found by ``get_result`` from any store on the same database, and a failure is both
the record's error and a ``ConnectorError`` recorded on the connector.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from integration_store.live.client import ConnectorClient, describe, redacted
from integration_store.live.function_platforms import (
    FunctionInfo,
    FunctionPlatform,
    PlatformConfigError,
    platform_for,
)
from integration_store.live.invocations import (
    InvocationNotFoundError,
    InvocationRecords,
    InvocationStatus,
    check_invocation,
    result_view,
)
from integration_store.model.connectors import ServerlessConnector

if TYPE_CHECKING:
    from integration_store.live.connections import LiveConnections

log: Final = logging.getLogger("integration_store.live.functions")


class FunctionClient(ConnectorClient[ServerlessConnector]):
    """Invokes the functions of one serverless connector.

    ``invoke`` waits for the result, or with ``async_invoke=True`` returns at once with status
    ``invoked`` while the store's bounded pool runs it (``local``, ``http``) or the platform
    queues it (``aws_lambda``'s ``Event``); ``get_result`` reads the record either way.
    """

    def __init__(self, connector: ServerlessConnector, live: LiveConnections) -> None:
        super().__init__(connector, live)
        self._platform: FunctionPlatform | None = None

    # ---- operations ---------------------------------------------------------------------

    def invoke(
        self, function_name: str, payload: dict[str, Any], async_invoke: bool = False
    ) -> dict[str, Any]:
        """Invoke ``function_name`` with ``payload`` (a JSON dict); upstream's answer
        ``{"function", "request_id", "status", "result"}``.

        Synchronously: status ``completed`` and the function's JSON result, or, when the
        function or its platform fails, the record says ``failed`` and ``ConnectorError`` is
        raised (recorded on the connector, the cause chained). Asynchronously: status
        ``invoked`` and result None; poll ``get_result``. Bad arguments raise
        ``ValidationError`` naming the field, and nothing is written."""
        return self._run(
            "invoke", lambda: self._invoke(*check_invocation(function_name, payload, async_invoke))
        )

    def list_functions(self) -> list[FunctionInfo]:
        """The platform's functions: ``[{"name", "runtime", "memory"}]`` (None when the platform
        does not say)."""
        return self._run("list_functions", lambda: self._connected_platform().list_functions())

    def get_result(self, request_id: str | UUID) -> dict[str, Any]:
        """The invocation's record as ``{"request_id", "function", "status", "result", "error",
        "created_at", "started_at", "finished_at"}``; ``InvocationNotFoundError`` (a
        ``ConnectorError``) for an unknown request_id or one of another connector."""
        return self._run("get_result", lambda: result_view(self._records().read(request_id)))

    # ---- how ------------------------------------------------------------------------------

    def _invoke(self, function: str, payload: dict[str, Any], async_invoke: bool) -> dict[str, Any]:
        platform = self._connected_platform()
        records = self._records()
        if not async_invoke:
            record = records.begin(function, payload, InvocationStatus.RUNNING)
            result = self._call(records, platform, record["request_id"], function, payload)
            return _answer(function, record["request_id"], InvocationStatus.COMPLETED, result)
        record = records.begin(function, payload, InvocationStatus.INVOKED)
        request_id = record["request_id"]
        try:
            if platform.runs_events_itself:
                platform.send_event(function, payload)
            else:
                self._live.executor.submit(
                    self._run_invoked, records, platform, request_id, function, payload
                )
        except Exception as error:
            records.fail(request_id, self._text(error), from_status=InvocationStatus.INVOKED)
            raise
        return _answer(function, request_id, InvocationStatus.INVOKED, None)

    def _call(
        self,
        records: InvocationRecords,
        platform: FunctionPlatform,
        request_id: UUID,
        function: str,
        payload: dict[str, Any],
    ) -> Any:
        """Run a ``running`` invocation and record its outcome; a failure is re-raised after
        the record says so."""
        try:
            result = platform.call(function, payload)
        except Exception as error:
            records.fail(request_id, self._text(error))
            raise
        records.complete(request_id, result)
        return result

    def _run_invoked(
        self,
        records: InvocationRecords,
        platform: FunctionPlatform,
        request_id: UUID,
        function: str,
        payload: dict[str, Any],
    ) -> None:
        """A pool worker's turn: take the invocation (``invoked`` → ``running``; nothing to do
        when it was taken or failed meanwhile), run it, and record its outcome. A failure is
        recorded on the connector first, as a synchronous call's would be, so whoever reads the
        record ``failed`` finds the connector's ``last_error`` already saying why. A failure of
        the store itself has no caller to raise to: it is logged, the record left as it was."""
        try:
            if not records.start(request_id):
                return
            try:
                result = platform.call(function, payload)
            except Exception as error:
                self._fail(f"invoke {function!r} ({request_id}) failed: {describe(error)}", error)
                records.fail(request_id, self._text(error))
                return
            records.complete(request_id, result)
        except Exception as error:
            log.error(
                "asynchronous invocation %s could not be recorded: %s",
                request_id,
                self._text(error),
            )

    def _connected_platform(self) -> FunctionPlatform:
        platform = self._platform
        if platform is None:  # disconnected by another thread since ``_run`` checked
            raise self._error("Not connected")
        return platform

    def _records(self) -> InvocationRecords:
        return InvocationRecords(self._live.invocations, self._live.context, self._connector)

    def _text(self, error: BaseException) -> str:
        return redacted(describe(error), self._connector.config)

    # ---- lifecycle ------------------------------------------------------------------------

    def _open(self) -> None:
        platform = platform_for(self._connector)
        platform.open()
        self._platform = platform

    def _probe(self) -> None:
        if self._platform is None:
            raise PlatformConfigError("the platform is not open")
        self._platform.probe()

    def _close(self) -> None:
        platform, self._platform = self._platform, None
        if platform is not None:
            platform.close()


def _answer(
    function: str, request_id: UUID, status: InvocationStatus, result: Any
) -> dict[str, Any]:
    return {
        "function": function,
        "request_id": str(request_id),
        "status": status.value,
        "result": result,
    }


__all__ = ["FunctionClient", "InvocationNotFoundError", "InvocationStatus"]
