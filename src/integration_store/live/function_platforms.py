"""Where a serverless connector's functions run: ``local`` (Python functions of this process),
``http`` (a POST per invocation) and ``aws_lambda`` (boto3, in ``live.lambda_platform``).

A platform calls a function and answers with its JSON result, or raises; it knows nothing of
invocation records or of the connector's counters, which ``FunctionClient`` keeps. Every failure
it raises is a plain exception (never an ``IntegrationStoreError``), so the client records it as
the provider's failure.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from typing import Any, Final

from integration_store import values
from integration_store.errors import (
    IntegrationStoreError,
    UnsupportedOperationError,
    ValidationError,
)
from integration_store.functions import (
    LOCAL_RUNTIME,
    FunctionNotFoundError,
    function_names,
    get_function,
)
from integration_store.live.client import describe, redacted
from integration_store.model.connectors import SECRET_MASK, ConnectorConfig, ServerlessConnector

log: Final = logging.getLogger("integration_store.live.functions")

FunctionInfo = dict[str, Any]
"""One row of ``list_functions``: ``{"name", "runtime", "memory"}`` (None when unknown)."""

ERROR_BODY_CHARS: Final = 200
"""How much of an error response's body a failure message quotes."""


class FunctionFailedError(Exception):
    """The platform answered, and the answer is a failure: the function raised, its result is
    not JSON, or the service said no. Recorded as the invocation's error."""


class PlatformConfigError(Exception):
    """The connector's config cannot reach its platform (no endpoint, unknown platform or auth
    type, a missing credential); ``connect()`` records it and returns False."""


def json_result(value: object, where: str) -> Any:
    """``value`` as the exact JSON the store keeps, or ``FunctionFailedError`` saying why not
    (not JSON, or more than one write may store)."""
    try:
        result = values.json_value(value, "result")
    except ValidationError as error:
        raise FunctionFailedError(f"{where} is not a JSON value: {error}") from None
    try:
        values.check_write_size({"result": result})
    except ValidationError as error:
        raise FunctionFailedError(f"{where} is too large to keep: {error.message}") from None
    return result


class FunctionPlatform(ABC):
    """One platform's way of running functions; shared by threads, so stateless per call."""

    runs_events_itself: bool = False
    """True when an asynchronous invocation is handed to the platform, which keeps its result
    (Lambda's ``Event``); False when the store's pool runs it and records the result."""

    @abstractmethod
    def open(self) -> None:
        """Check the config and that the platform answers; raise when it does not."""

    def probe(self) -> None:
        """Check that the platform still answers (by default as ``open`` does)."""
        self.open()

    def close(self) -> None:  # noqa: B027 - most platforms hold nothing to release
        """Release what ``open`` took (nothing, by default)."""

    @abstractmethod
    def call(self, function: str, payload: dict[str, Any]) -> Any:
        """Run ``function`` with ``payload`` and wait for its JSON result."""

    def send_event(self, function: str, payload: dict[str, Any]) -> None:
        """Hand an asynchronous invocation to the platform (only if ``runs_events_itself``)."""
        raise UnsupportedOperationError(f"{type(self).__name__} does not take events")

    @abstractmethod
    def list_functions(self) -> list[FunctionInfo]:
        """The functions the platform offers, by name."""


class LocalPlatform(FunctionPlatform):
    """Functions of this process (``integration_store.functions``), called in the calling
    thread (or the store's pool, for asynchronous invocations).

    ``config.options["functions"]``, a list of names, limits a connector to those functions:
    every connector of a process otherwise reaches every function registered in it."""

    def __init__(self, config: ConnectorConfig) -> None:
        self._allowed = config.options.get("functions")

    def open(self) -> None:
        allowed = self._allowed
        if allowed is not None and not (
            isinstance(allowed, list) and all(isinstance(name, str) for name in allowed)
        ):
            raise PlatformConfigError('config.options["functions"] must be a list of names')

    def call(self, function: str, payload: dict[str, Any]) -> Any:
        if self._allowed is not None and function not in self._allowed:
            raise FunctionNotFoundError(
                f"function {function!r} is not one of this connector's functions "
                '(config.options["functions"])'
            )
        try:
            result = get_function(function)(payload)
        except IntegrationStoreError as error:
            # The function's own failure, even when it is one of ours (it used a store, say):
            # recorded like any other, not mistaken for a bad argument of ``invoke``.
            raise FunctionFailedError(f"function {function!r} raised {describe(error)}") from error
        return json_result(result, f"the result of function {function!r}")

    def list_functions(self) -> list[FunctionInfo]:
        names = function_names()
        if self._allowed is not None:
            names = [name for name in names if name in self._allowed]
        return [{"name": name, "runtime": LOCAL_RUNTIME, "memory": None} for name in names]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are answers, not followed: urllib would resend the Authorization header to
    wherever the redirect points, and turn the POST into a bodiless GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpPlatform(FunctionPlatform):
    """Functions behind an HTTP endpoint: ``POST {endpoint}/{function}`` with the payload as a
    JSON body; the JSON body of a 2xx answer is the result (an empty body is ``None``).

    Connection failures and 5xx answers are retried ``max_retries`` times, ``retry_delay_seconds``
    apart; 4xx answers are the caller's fault and timeouts may mean the function is still
    running, so neither is retried. ``list_functions`` is ``GET {endpoint}``, answering a JSON
    list of names or of objects with ``name`` (and optionally ``runtime``, ``memory``).
    ``connect()`` checks that the endpoint answers HTTP at all (any status below 500).
    """

    def __init__(self, config: ConnectorConfig) -> None:
        self._config = config
        self._opener = urllib.request.build_opener(_NoRedirects())

    def open(self) -> None:
        endpoint = self._endpoint()
        self._headers()  # a missing credential fails connect, not the first invocation
        if self._config.timeout_seconds <= 0:
            raise PlatformConfigError("timeout_seconds must be positive")
        try:
            self._send(urllib.request.Request(endpoint, method="GET", headers=self._headers()))
        except urllib.error.HTTPError as error:
            error.close()
            if error.code >= 500:
                raise
            # Any other answer shows a server is there; GET need not be implemented.

    def call(self, function: str, payload: dict[str, Any]) -> Any:
        url = f"{self._endpoint()}/{urllib.parse.quote(function, safe='')}"
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        headers = {**self._headers(), "Content-Type": "application/json"}
        answer = self._with_retries(
            f"POST {function}",
            lambda: urllib.request.Request(url, data=body, method="POST", headers=headers),
        )
        return decoded_json(answer, f"the answer of function {function!r}")

    def list_functions(self) -> list[FunctionInfo]:
        endpoint = self._endpoint()
        answer = decoded_json(
            self._with_retries(
                "GET functions",
                lambda: urllib.request.Request(endpoint, method="GET", headers=self._headers()),
            ),
            "the list of functions",
        )
        if not isinstance(answer, list):
            raise FunctionFailedError(
                f"GET {self._config.endpoint} must answer a JSON list, not {type(answer).__name__}"
            )
        return [_function_info(item) for item in answer]

    # ---- HTTP ---------------------------------------------------------------------------

    def _endpoint(self) -> str:
        endpoint = self._config.endpoint
        if not endpoint:
            raise PlatformConfigError("an http serverless connector needs config.endpoint")
        if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
            raise PlatformConfigError("config.endpoint must be an http:// or https:// URL")
        return endpoint.rstrip("/")

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "integration-store"}
        auth_type, credentials = self._config.auth_type, self._config.credentials
        if auth_type is None:
            return headers
        needed = {"api_key": ("api_key",), "bearer": ("token",), "basic": ("username", "password")}
        if auth_type not in needed:
            raise PlatformConfigError(
                f"auth_type {auth_type!r} is not one of {', '.join(map(repr, needed))} for http"
            )
        for key in needed[auth_type]:
            if not isinstance(credentials.get(key), str) or not credentials[key]:
                raise PlatformConfigError(f"auth_type {auth_type!r} needs credentials[{key!r}]")
        if auth_type == "basic":
            pair = f"{credentials['username']}:{credentials['password']}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        else:
            headers["Authorization"] = f"Bearer {credentials[needed[auth_type][0]]}"
        return headers

    def _hidden(self, text: str) -> str:
        """``text`` without the Authorization header's credential: an answer may quote the
        header, and a Basic one is the credentials in base64, which ``redacted`` cannot see."""
        authorization = self._headers().get("Authorization")
        if authorization:
            token = authorization.split(" ", 1)[-1]
            text = text.replace(token, SECRET_MASK)
        return text

    def _send(self, request: urllib.request.Request) -> bytes:
        with self._opener.open(request, timeout=self._config.timeout_seconds) as response:
            body: bytes = response.read()
            return body

    def _with_retries(self, what: str, request: Any) -> bytes:
        attempts = 1 + max(self._config.max_retries, 0)
        for attempt in range(1, attempts + 1):
            try:
                return self._send(request())
            except urllib.error.HTTPError as error:
                failure: Exception = FunctionFailedError(
                    self._hidden(f"HTTP {error.code} {error.reason}{_quoted_body(error)}")
                )
                if error.code < 500 or attempt == attempts:
                    raise failure from error
            except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
                if _timed_out(error) or attempt == attempts:
                    raise
                failure = error
            log.info(
                "%s: attempt %d of %d failed (%s); retrying in %ss",
                what,
                attempt,
                attempts,
                redacted(describe(failure), self._config),
                self._config.retry_delay_seconds,
            )
            time.sleep(max(self._config.retry_delay_seconds, 0))
        raise AssertionError("unreachable: the last attempt returns or raises")


def decoded_json(body: bytes, where: str) -> Any:
    """An answer's body as the result: its JSON (checked as ``json_result`` does), or None for
    an empty body; ``FunctionFailedError`` for a body that is not JSON."""
    if not body.strip():
        return None
    try:
        value = json.loads(body)
    except ValueError as error:
        raise FunctionFailedError(f"{where} is not JSON: {error}") from None
    return json_result(value, where)


def _timed_out(error: BaseException) -> bool:
    reason = getattr(error, "reason", None)
    return isinstance(error, TimeoutError) or isinstance(reason, TimeoutError)


def _quoted_body(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(ERROR_BODY_CHARS + 1).decode("utf-8", "replace").strip()
    except Exception:  # the body is a courtesy; the status says what happened
        return ""
    finally:
        error.close()
    if len(text) > ERROR_BODY_CHARS:
        text = text[:ERROR_BODY_CHARS] + "…"
    return f": {text}" if text else ""


def _function_info(item: object) -> FunctionInfo:
    if isinstance(item, str):
        return {"name": item, "runtime": None, "memory": None}
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return {"name": item["name"], "runtime": item.get("runtime"), "memory": item.get("memory")}
    raise FunctionFailedError("each listed function must be a name or an object with a name")


def platform_for(connector: ServerlessConnector) -> FunctionPlatform:
    """The platform a connector names; ``PlatformConfigError`` for one this library lacks."""
    if connector.platform == "local":
        return LocalPlatform(connector.config)
    if connector.platform == "http":
        return HttpPlatform(connector.config)
    if connector.platform == "aws_lambda":
        from integration_store.live.lambda_platform import LambdaPlatform

        return LambdaPlatform(connector)
    raise PlatformConfigError(
        f"unknown serverless platform {connector.platform!r} "
        "(there are 'local', 'http' and 'aws_lambda')"
    )


__all__ = [
    "FunctionFailedError",
    "FunctionInfo",
    "FunctionPlatform",
    "HttpPlatform",
    "LocalPlatform",
    "PlatformConfigError",
    "decoded_json",
    "platform_for",
]
