"""The live side of a file connector: list, read, write and delete files under its base_path,
on the machine's disk, in memory, on S3, or on any storage fsspec has a protocol for.

Upstream's simulated API, done for real: ``list_files(path="/", recursive=False)``,
``read_file(path) -> bytes``, ``write_file(path, content) -> {"path", "size", "status"}``,
``delete_file(path) -> {"path", "status"}``. Paths are relative to ``base_path`` and can never
leave it (``integration_store.live.file_paths``); files are capped at
``options["max_file_bytes"]`` (10 MiB by default, upstream's cap) both ways.

Which failures are recorded on the connector: the storage's own (unreachable, refusing, gone)
are, through ``record_error``, like every client's. A caller's mistake is not — a refused path
or content (``ValidationError``), a file that does not exist, a directory where a file is
expected, a file over the cap (``ConnectorError``, unrecorded) — since it says nothing about the
provider's health and would otherwise bury real outages in ``error_count``. A missing file is
told apart from a storage that went away by asking the storage about the base when a path is
not found: when that fails too, the failure is the provider's and is recorded.

See ``docs/files.md`` for the behaviour of each storage.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from fsspec.implementations.local import LocalFileSystem

from integration_store import values
from integration_store.errors import ConnectorError, ValidationError
from integration_store.live.client import ConnectorClient
from integration_store.live.file_paths import BaseDirectory, FilePath, contained_real_path
from integration_store.live.file_systems import (
    base_directory,
    build_filesystem,
    check_storage_answers,
    is_object_store,
)
from integration_store.live.local_files import Entry, list_directory, write_atomically
from integration_store.model.connectors import FileConnector

if TYPE_CHECKING:
    from integration_store.live.connections import LiveConnections

DEFAULT_MAX_FILE_BYTES: Final = 10 * 1024 * 1024
"""Largest file read or written unless ``options["max_file_bytes"]`` says otherwise."""

FileEntry = dict[str, Any]
"""A listing's entry: ``{"name", "path", "size", "type"}``."""


class FileClient(ConnectorClient[FileConnector]):
    """Files under a file connector's ``base_path``, through fsspec.

    Open it with ``store.connectors.open(connector_id)``; ``connect()`` builds the filesystem
    and checks that the base directory (on an object store, the bucket) exists."""

    def __init__(self, connector: FileConnector, live: LiveConnections) -> None:
        super().__init__(connector, live)
        self._filesystem: Any = None
        self._base_directory: BaseDirectory | None = None
        self._local = False
        self._object_store = False
        self._max_file_bytes = DEFAULT_MAX_FILE_BYTES

    @property
    def max_file_bytes(self) -> int:
        """The size cap of reads and writes, as read from the options at ``connect()``."""
        return self._max_file_bytes

    # ---- operations ---------------------------------------------------------------------

    def list_files(self, path: str = "/", recursive: bool = False) -> list[FileEntry]:
        """The entries under ``path``, sorted by path: its files and directories
        (``"type"``: ``"file"`` or ``"directory"``; a directory's ``"size"`` is 0), or with
        ``recursive`` every file below it, and no directories (an object store has none of
        its own, so a recursive listing is the same on every storage). A path naming a file
        lists that file; a path where nothing is stored lists nothing."""
        target = self._base().resolve(path)
        return self._run("list_files", lambda: self._list(target, recursive))

    def read_file(self, path: str) -> bytes:
        """The file's content, byte for byte. ``ConnectorError`` for a missing file, a
        directory, or a file over ``max_file_bytes`` (its size is checked before reading)."""
        target = self._base().resolve_file(path)
        return self._run("read_file", lambda: self._read(target))

    def write_file(self, path: str, content: bytes) -> dict[str, Any]:
        """Write ``content`` (bytes-like) to the file, replacing it, creating parent
        directories: ``{"path", "size", "status": "success"}``. ``ValidationError`` naming
        ``content`` for anything but bytes or more than ``max_file_bytes``; nothing is written
        then. On a local disk the write is atomic (a temporary file renamed into place)."""
        base = self._base()
        data = values.binary(content, "content")
        if len(data) > self._max_file_bytes:
            raise ValidationError(
                "content", f"is {len(data)} bytes, over max_file_bytes ({self._max_file_bytes})"
            )
        target = base.resolve_file(path)
        return self._run("write_file", lambda: self._write(target, data))

    def delete_file(self, path: str) -> dict[str, Any]:
        """Delete the file: ``{"path", "status": "deleted"}``. ``ConnectorError`` when there is
        no such file or the path is a directory (directories are never deleted). On a local
        disk a link is deleted itself, not what it leads to."""
        target = self._base().resolve_file(path)
        return self._run("delete_file", lambda: self._delete(target))

    # ---- lifecycle ----------------------------------------------------------------------

    def _open(self) -> None:
        max_file_bytes = _max_file_bytes(self._connector.config.options)
        filesystem = build_filesystem(self._connector)
        base = base_directory(filesystem, self._connector)
        check_storage_answers(filesystem, self._connector, base)
        self._filesystem, self._base_directory = filesystem, base
        self._local = isinstance(filesystem, LocalFileSystem)
        self._object_store = is_object_store(self._connector)
        self._max_file_bytes = max_file_bytes

    def _probe(self) -> None:
        base, filesystem = self._ready()
        check_storage_answers(filesystem, self._connector, base)

    def _close(self) -> None:
        # The filesystem is outside fsspec's instance cache: dropping it releases its
        # connections (s3fs closes its session when the instance is collected).
        self._filesystem, self._base_directory = None, None

    # ---- the work, on the storage -------------------------------------------------------

    def _list(self, target: FilePath, recursive: bool) -> list[FileEntry]:
        base, filesystem = self._ready()
        try:
            if self._local:
                rows = self._list_local(base, target, recursive)
            elif recursive:
                rows = _rows(filesystem.find(target.full, withdirs=False, detail=True).values())
            else:
                rows = _rows(filesystem.ls(target.full, detail=True))
        except (FileNotFoundError, NotADirectoryError):
            self._check_storage()
            return []
        entries = [
            _entry(base, name, kind, size)
            for name, kind, size in rows
            # An object store may list a prefix's own marker object among its contents.
            if name != target.full or kind != "directory"
        ]
        # By path; on S3 a key and a prefix may share one, then the directory comes first.
        return sorted(entries, key=lambda entry: (entry["path"], entry["type"]))

    def _list_local(self, base: BaseDirectory, target: FilePath, recursive: bool) -> list[Entry]:
        real = self._real(target)
        if os.path.isfile(real):
            return [(real, "file", os.stat(real).st_size)]
        return list_directory(base.root, real, recursive)

    def _read(self, target: FilePath) -> bytes:
        _, filesystem = self._ready()
        full = self._real(target) if self._local else target.full
        size = self._file_size(full, target)
        if size > self._max_file_bytes:
            raise self._too_large(target, size)
        # Read at most one byte over the cap: a file that grew since it was measured is
        # refused without loading all of it. (A ranged GET of an empty object fails on S3.)
        try:
            content: bytes = (
                filesystem.cat_file(full, start=0, end=self._max_file_bytes + 1)
                if size
                else filesystem.cat_file(full)
            )
        except FileNotFoundError:  # deleted since it was measured
            raise self._absent(target) from None
        if len(content) > self._max_file_bytes:
            raise self._too_large(target, len(content))
        return content

    def _write(self, target: FilePath, content: bytes) -> dict[str, Any]:
        _, filesystem = self._ready()
        full = self._real(target) if self._local else target.full
        if filesystem.isdir(full):
            raise self._error(f"is a directory: {target.relative}")
        try:
            if self._local:
                write_atomically(full, content)
            else:
                if not self._object_store:  # where directories are real, parents first
                    filesystem.makedirs(posixpath.dirname(full), exist_ok=True)
                filesystem.pipe_file(full, content)
        except (NotADirectoryError, FileExistsError):
            raise self._error(f"cannot write {target.relative}: a parent is a file") from None
        return {"path": target.relative, "size": len(content), "status": "success"}

    def _delete(self, target: FilePath) -> dict[str, Any]:
        base, filesystem = self._ready()
        full = target.full
        if self._local:
            self._real(target)  # a link leading out is refused like any other path
            # The entry itself goes (a link, not what it leads to), from its real directory.
            directory = contained_real_path(
                base.root, posixpath.dirname(target.full), target.relative
            )
            full = posixpath.join(directory, target.name)
        self._file_size(full, target, regular=False)
        try:
            filesystem.rm_file(full)
        except FileNotFoundError:  # deleted meanwhile by someone else
            raise self._absent(target) from None
        return {"path": target.relative, "status": "deleted"}

    # ---- helpers ------------------------------------------------------------------------

    def _base(self) -> BaseDirectory:
        return self._ready()[0]

    def _ready(self) -> tuple[BaseDirectory, Any]:
        base, filesystem = self._base_directory, self._filesystem
        if not self._connected or base is None or filesystem is None:
            raise self._error("Not connected")
        return base, filesystem

    def _real(self, target: FilePath) -> str:
        return contained_real_path(self._base().root, target.full, target.relative)

    def _file_size(self, full: str, target: FilePath, regular: bool = True) -> int:
        """The size of the file at ``full``; a caller's ``ConnectorError`` when nothing is
        there (and the storage still answers) or it is a directory, or with ``regular``
        anything but a plain file (a local fifo or device would block or never end)."""
        _, filesystem = self._ready()
        try:
            info = filesystem.info(full)
        except FileNotFoundError:
            raise self._absent(target) from None
        kind = info.get("type")
        if kind == "directory" or (regular and kind not in ("file", None)):
            raise self._error(f"not a file: {target.relative}")
        return int(info.get("size") or 0)

    def _absent(self, target: FilePath) -> ConnectorError:
        """The caller's ``no such file``, once the storage has been asked about the base: when
        that is gone too, its failure is raised instead (the provider's, recorded)."""
        self._check_storage()
        return self._error(f"no such file: {target.relative}")

    def _check_storage(self) -> None:
        """Raise the storage's own failure when a path was not found because the base (or
        bucket) itself is gone: then the miss is the provider's, and is recorded."""
        base, filesystem = self._ready()
        check_storage_answers(filesystem, self._connector, base)

    def _too_large(self, target: FilePath, size: int) -> ConnectorError:
        return self._error(
            f"file too large: {target.relative} is {size} bytes, over max_file_bytes "
            f"({self._max_file_bytes})"
        )


def _rows(infos: Iterable[dict[str, Any]]) -> list[Entry]:
    """fsspec's detailed entries as (path without trailing ``/``, type, size)."""
    return [
        (
            info["name"].rstrip("/") or "/",
            "directory" if info.get("type") == "directory" else "file",
            int(info.get("size") or 0),
        )
        for info in infos
    ]


def _entry(base: BaseDirectory, name: str, kind: str, size: int) -> FileEntry:
    relative = base.relative(name)
    is_directory = kind == "directory"
    return {
        "name": posixpath.basename(relative),
        "path": relative,
        "size": 0 if is_directory else int(size),
        "type": "directory" if is_directory else "file",
    }


def _max_file_bytes(options: dict[str, Any]) -> int:
    value = options.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            "options.max_file_bytes", f"must be a non-negative int, not {value!r}"
        )
    return value


__all__ = ["DEFAULT_MAX_FILE_BYTES", "FileClient", "FileEntry"]
