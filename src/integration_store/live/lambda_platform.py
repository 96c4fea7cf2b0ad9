"""Serverless functions on AWS Lambda, through boto3 (the ``lambda`` extra), imported only when
a connector of platform ``aws_lambda`` connects."""

from __future__ import annotations

import json
from typing import Any

from integration_store.live.function_platforms import (
    ERROR_BODY_CHARS,
    FunctionFailedError,
    FunctionInfo,
    FunctionPlatform,
    PlatformConfigError,
    decoded_json,
)
from integration_store.model.connectors import ServerlessConnector


class LambdaPlatform(FunctionPlatform):
    """AWS Lambda through boto3 (the ``lambda`` extra): ``RequestResponse`` invocations wait
    for the result, asynchronous ones are ``Event`` invocations that Lambda queues and runs
    (their result stays with Lambda, so the record stays ``invoked``).

    ``config.endpoint`` overrides the service URL (a local emulator); credentials
    ``aws_access_key_id`` / ``aws_secret_access_key`` / ``aws_session_token`` when given, else
    boto3's own chain. Retries are botocore's, ``max_retries`` of them."""

    runs_events_itself = True

    def __init__(self, connector: ServerlessConnector) -> None:
        self._connector = connector
        self._client: Any = None

    def open(self) -> None:
        try:
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config  # type: ignore[import-untyped]
        except ImportError as error:
            raise PlatformConfigError(
                "platform 'aws_lambda' needs boto3: install integration-store[lambda]"
            ) from error
        config = self._connector.config
        keys = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
        self._client = boto3.session.Session().client(
            "lambda",
            region_name=self._connector.region,
            endpoint_url=config.endpoint or None,
            config=Config(
                connect_timeout=config.timeout_seconds,
                read_timeout=config.timeout_seconds,
                retries={"max_attempts": max(config.max_retries, 0), "mode": "standard"},
            ),
            **{key: config.credentials[key] for key in keys if key in config.credentials},
        )
        self._client.list_functions(MaxItems=1)

    def close(self) -> None:
        self._client = None

    def call(self, function: str, payload: dict[str, Any]) -> Any:
        answer = self._lambda().invoke(
            FunctionName=function,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload, allow_nan=False).encode("utf-8"),
        )
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            raise FunctionFailedError(
                f"function {function!r} failed ({answer['FunctionError']}): "
                + body.decode("utf-8", "replace")[:ERROR_BODY_CHARS]
            )
        return decoded_json(body, f"the result of function {function!r}")

    def send_event(self, function: str, payload: dict[str, Any]) -> None:
        answer = self._lambda().invoke(
            FunctionName=function,
            InvocationType="Event",
            Payload=json.dumps(payload, allow_nan=False).encode("utf-8"),
        )
        if answer.get("StatusCode") != 202:
            raise FunctionFailedError(f"Lambda did not queue the event: {answer.get('StatusCode')}")

    def list_functions(self) -> list[FunctionInfo]:
        functions: list[FunctionInfo] = []
        for page in self._lambda().get_paginator("list_functions").paginate():
            functions += [
                {
                    "name": f["FunctionName"],
                    "runtime": f.get("Runtime"),
                    "memory": f.get("MemorySize"),
                }
                for f in page["Functions"]
            ]
        return sorted(functions, key=lambda info: info["name"])

    def _lambda(self) -> Any:
        if self._client is None:
            raise PlatformConfigError("the Lambda client is closed")
        return self._client


__all__ = ["LambdaPlatform"]
