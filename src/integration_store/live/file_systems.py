"""Which fsspec filesystem a file connector opens, with what options, and how to tell that its
storage answers.

``storage_type`` names an fsspec protocol: ``local`` (fsspec's ``file``), ``memory``, ``s3``
(s3fs), or any other protocol whose implementation is installed. ``config.options`` may hold
``storage_options`` (a dict passed to the filesystem as it is, over what is derived here) and,
for S3, ``region``. Every filesystem is built outside fsspec's instance cache, so two clients
never share one with other credentials, and a closed client's filesystem goes away with it.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any, Final

import fsspec
from fsspec.implementations.local import LocalFileSystem

from integration_store.live.file_paths import BaseDirectory
from integration_store.model.connectors import FileConnector

LOCAL_STORAGE_TYPES: Final = frozenset({"local", "file"})
"""Storage types meaning the machine's own disk."""

BUCKET_PROTOCOLS: Final = frozenset({"s3", "s3a", "gcs", "gs", "abfs", "abfss", "az", "oss"})
"""Object stores, whose first path segment is a bucket and whose directories exist only as key
prefixes: there the bucket must exist, not the base prefix (a fresh prefix holds no key)."""


class StorageUnavailable(Exception):
    """The storage does not answer as a file connector needs: base directory or bucket
    missing, or a configuration it cannot be opened with. Recorded as the provider's failure."""


def protocol_of(connector: FileConnector) -> str:
    """The fsspec protocol a connector's ``storage_type`` names."""
    storage_type = connector.storage_type.strip().lower()
    return "file" if storage_type in LOCAL_STORAGE_TYPES else storage_type


def is_object_store(connector: FileConnector) -> bool:
    """Whether the connector's storage is an object store (``BUCKET_PROTOCOLS``)."""
    return protocol_of(connector) in BUCKET_PROTOCOLS


def build_filesystem(connector: FileConnector) -> Any:
    """A new filesystem for the connector (fsspec is untyped: an ``AbstractFileSystem``).

    ``StorageUnavailable`` for a protocol fsspec does not know or whose library is missing."""
    protocol = protocol_of(connector)
    try:
        filesystem_class = fsspec.get_filesystem_class(protocol)
    except ValueError as error:
        raise StorageUnavailable(
            f"unknown storage_type {connector.storage_type!r}: no fsspec protocol of that name"
        ) from error
    except ImportError as error:
        raise StorageUnavailable(
            f"storage_type {connector.storage_type!r} needs a library that is not installed "
            f"({error})"
        ) from error
    options = _derived_options(connector, protocol)
    options.update(_storage_options(connector))
    filesystem = filesystem_class(skip_instance_cache=True, **options)
    if protocol in ("s3", "s3a"):
        # One retry policy, botocore's (see _s3_options), not s3fs's own loop on top of it.
        filesystem.retries = 1
    return filesystem


def base_directory(filesystem: Any, connector: FileConnector) -> BaseDirectory:
    """The connector's ``base_path`` in the filesystem's own form.

    On a local disk the base is its real path (links resolved, so that each path's real path
    can be checked against it) and must be absolute; on an object store it starts with the
    bucket; elsewhere it is an absolute path."""
    base_path = connector.base_path
    if "://" in base_path:
        base_path = base_path.split("://", 1)[1]
    if isinstance(filesystem, LocalFileSystem):
        if not base_path.startswith("/"):
            raise StorageUnavailable(f"base_path {connector.base_path!r} must be absolute")
        return BaseDirectory(os.path.realpath(base_path))
    normalised = posixpath.normpath("/" + base_path.lstrip("/"))
    if is_object_store(connector):
        root = normalised.lstrip("/")
        if not root:
            raise StorageUnavailable(
                f"base_path {connector.base_path!r} must name a bucket (bucket/prefix)"
            )
        return BaseDirectory(root)
    return BaseDirectory(normalised)


def check_storage_answers(filesystem: Any, connector: FileConnector, base: BaseDirectory) -> None:
    """Ask the storage about the base: the bucket on an object store, the base directory
    elsewhere. ``StorageUnavailable`` (or the library's own error) when it does not answer."""
    if is_object_store(connector):
        bucket = base.root.split("/", 1)[0]
        try:
            info = filesystem.info(bucket)
        except FileNotFoundError as error:
            raise StorageUnavailable(f"bucket {bucket!r} does not exist") from error
        if info.get("type") != "directory":
            raise StorageUnavailable(f"bucket {bucket!r} is not a bucket")
        return
    if not filesystem.isdir(base.root):
        raise StorageUnavailable(f"base_path {connector.base_path!r} is not a directory")


def _storage_options(connector: FileConnector) -> dict[str, Any]:
    options = connector.config.options.get("storage_options", {})
    if not isinstance(options, dict):
        raise StorageUnavailable("options.storage_options must be a dict")
    return dict(options)


def _derived_options(connector: FileConnector, protocol: str) -> dict[str, Any]:
    if protocol in ("s3", "s3a"):
        return _s3_options(connector)
    return {}


def _s3_options(connector: FileConnector) -> dict[str, Any]:
    """s3fs's options from the connector: endpoint, credentials, region, and the config's
    timeout and retries (botocore's ``standard`` mode: ``max_retries`` retries after the first
    attempt). Listings are not cached: another writer's objects show up at once."""
    config = connector.config
    credentials = config.credentials
    options: dict[str, Any] = {"use_listings_cache": False}
    if config.endpoint:
        options["endpoint_url"] = config.endpoint
    for option, credential in (
        ("key", "aws_access_key_id"),
        ("secret", "aws_secret_access_key"),
        ("token", "aws_session_token"),
    ):
        value = credentials.get(credential)
        if isinstance(value, str) and value:
            options[option] = value
    region = config.options.get("region")
    if isinstance(region, str) and region:
        options["client_kwargs"] = {"region_name": region}
    timeout = config.timeout_seconds
    options["config_kwargs"] = {
        "connect_timeout": timeout,
        "read_timeout": timeout,
        "retries": {"total_max_attempts": config.max_retries + 1, "mode": "standard"},
    }
    return options


__all__ = [
    "BUCKET_PROTOCOLS",
    "LOCAL_STORAGE_TYPES",
    "StorageUnavailable",
    "base_directory",
    "build_filesystem",
    "check_storage_answers",
    "is_object_store",
    "protocol_of",
]
