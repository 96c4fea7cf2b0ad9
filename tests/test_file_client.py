"""The file connector's live client on the machine's disk and in fsspec's memory filesystem,
opened through a real store (in memory and in a SQLite file)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import pytest

from integration_store import ConnectorConfig, ConnectorStatus, open_store
from integration_store.errors import ConnectorError, ValidationError
from integration_store.live.files import DEFAULT_MAX_FILE_BYTES, FileClient
from integration_store.store import Store

CAP = 64
"""The small cap most tests run with (``options["max_file_bytes"]``)."""


@pytest.fixture(params=["memory://", "sqlite-file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = request.param if request.param == "memory://" else f"sqlite:///{tmp_path}/store.db"
    with open_store(url) as opened:
        opened.create_schema()
        yield opened


@pytest.fixture(params=["local", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(storage_type, base_path) of an empty base directory."""
    if request.param == "local":
        base = tmp_path / "files"
        base.mkdir()
        yield "local", str(base)
        return
    memory = fsspec.filesystem("memory")
    base_path = f"/test-{uuid.uuid4().hex}"
    memory.mkdir(base_path)
    yield "memory", base_path
    if memory.exists(base_path):
        memory.rm(base_path, recursive=True)


def _open(store: Store, storage: tuple[str, str], **options: Any) -> FileClient:
    storage_type, base_path = storage
    connector = store.connectors.create_file_connector(
        "tenant",
        f"files-{uuid.uuid4().hex[:8]}",
        config=ConnectorConfig(options={"max_file_bytes": CAP, **options}),
        storage_type=storage_type,
        base_path=base_path,
    )
    client = store.connectors.open(connector.connector_id)
    assert isinstance(client, FileClient)
    return client


@pytest.fixture
def client(store: Store, storage: tuple[str, str]) -> Iterator[FileClient]:
    opened = _open(store, storage)
    assert opened.connect(), opened.connector.last_error
    yield opened
    if opened.connected:
        opened.disconnect()


def _stored(store: Store, client: FileClient) -> Any:
    connector = store.connectors.get(client.connector_id)
    assert connector is not None
    return connector


def _remove_base(storage: tuple[str, str]) -> None:
    storage_type, base_path = storage
    if storage_type == "local":
        for root, directories, files in os.walk(base_path, topdown=False):
            for name in files:
                os.unlink(os.path.join(root, name))
            for name in directories:
                os.rmdir(os.path.join(root, name))
        os.rmdir(base_path)
    else:
        fsspec.filesystem("memory").rm(base_path, recursive=True)


# ---- write and read ----------------------------------------------------------------------


def test_what_was_written_is_read_back_byte_for_byte(client: FileClient) -> None:
    content = bytes(range(256))[:CAP]

    written = client.write_file("/data/blob.bin", content)

    assert written == {"path": "/data/blob.bin", "size": CAP, "status": "success"}
    assert client.read_file("data/blob.bin") == content


def test_an_empty_file_reads_back_empty(client: FileClient) -> None:
    client.write_file("empty", b"")

    assert client.read_file("/empty") == b""


def test_bytearray_and_memoryview_are_written_as_bytes(client: FileClient) -> None:
    client.write_file("a", bytearray(b"\x00\x01"))
    client.write_file("b", memoryview(b"\xff"))

    assert client.read_file("a") == b"\x00\x01"
    assert client.read_file("b") == b"\xff"


def test_a_write_replaces_the_file(client: FileClient) -> None:
    client.write_file("f.txt", b"first version, longer")
    client.write_file("f.txt", b"second")

    assert client.read_file("f.txt") == b"second"


@pytest.mark.parametrize("content", ["text", None, [1, 2], 3])
def test_content_must_be_bytes(client: FileClient, content: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        client.write_file("f", content)

    assert refused.value.field == "content"
    assert client.list_files() == []


def test_a_file_at_the_cap_is_written_and_read(client: FileClient) -> None:
    client.write_file("cap", b"x" * CAP)

    assert client.read_file("cap") == b"x" * CAP


def test_a_file_over_the_cap_is_refused_and_nothing_is_written(client: FileClient) -> None:
    with pytest.raises(ValidationError) as refused:
        client.write_file("big", b"x" * (CAP + 1))

    assert refused.value.field == "content"
    assert client.list_files() == []


def test_a_stored_file_over_the_cap_is_refused_on_read_and_not_recorded(
    store: Store, storage: tuple[str, str], client: FileClient
) -> None:
    storage_type, base_path = storage
    protocol = "file" if storage_type == "local" else storage_type
    fsspec.filesystem(protocol).pipe_file(f"{base_path}/big", b"x" * (CAP + 1))

    with pytest.raises(ConnectorError, match=r"file too large: /big is 65 bytes"):
        client.read_file("big")

    assert _stored(store, client).error_count == 0


def test_the_default_cap_is_ten_mebibytes(store: Store, storage: tuple[str, str]) -> None:
    storage_type, base_path = storage
    connector = store.connectors.create_file_connector(
        "tenant", "default-cap", storage_type=storage_type, base_path=base_path
    )
    with store.connectors.open(connector.connector_id) as client:
        assert client.max_file_bytes == DEFAULT_MAX_FILE_BYTES == 10 * 1024 * 1024
        client.write_file("max", b"\x01" * DEFAULT_MAX_FILE_BYTES)
        with pytest.raises(ValidationError):
            client.write_file("over", b"\x01" * (DEFAULT_MAX_FILE_BYTES + 1))

        assert len(client.read_file("max")) == DEFAULT_MAX_FILE_BYTES


def test_writes_create_parent_directories(client: FileClient) -> None:
    client.write_file("a/b/c/d.txt", b"deep")

    assert client.read_file("a/b/c/d.txt") == b"deep"
    assert client.list_files("a/b") == [
        {"name": "c", "path": "/a/b/c", "size": 0, "type": "directory"}
    ]


def test_reading_a_missing_file_is_a_callers_mistake_not_recorded(
    store: Store, client: FileClient
) -> None:
    with pytest.raises(ConnectorError, match=r"^no such file: /nope$"):
        client.read_file("nope")

    stored = _stored(store, client)
    assert (stored.error_count, stored.last_error) == (0, None)


def test_a_directory_is_not_read_nor_overwritten(client: FileClient) -> None:
    client.write_file("dir/f", b"1")

    with pytest.raises(ConnectorError, match="not a file: /dir"):
        client.read_file("dir")
    with pytest.raises(ConnectorError, match="is a directory: /dir"):
        client.write_file("dir", b"2")


@pytest.mark.parametrize("path", ["/", "", "dir/", "dir/."])
def test_a_path_naming_a_directory_is_refused_for_files(client: FileClient, path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        client.write_file(path, b"x")

    assert refused.value.field == "path"


# ---- listing -----------------------------------------------------------------------------


def test_a_listing_shows_files_and_directories_sorted_by_path(client: FileClient) -> None:
    client.write_file("b.txt", b"bb")
    client.write_file("a.txt", b"a")
    client.write_file("sub/inner.txt", b"inner")
    client.write_file("Z.txt", b"zzz")

    assert client.list_files() == [
        {"name": "Z.txt", "path": "/Z.txt", "size": 3, "type": "file"},
        {"name": "a.txt", "path": "/a.txt", "size": 1, "type": "file"},
        {"name": "b.txt", "path": "/b.txt", "size": 2, "type": "file"},
        {"name": "sub", "path": "/sub", "size": 0, "type": "directory"},
    ]


def test_a_recursive_listing_shows_every_file_and_no_directory(client: FileClient) -> None:
    client.write_file("top", b"t")
    client.write_file("x/one", b"11")
    client.write_file("x/y/two", b"222")

    listed = client.list_files("/", recursive=True)

    assert listed == [
        {"name": "top", "path": "/top", "size": 1, "type": "file"},
        {"name": "one", "path": "/x/one", "size": 2, "type": "file"},
        {"name": "two", "path": "/x/y/two", "size": 3, "type": "file"},
    ]
    assert [entry["path"] for entry in client.list_files("x", recursive=True)] == [
        "/x/one",
        "/x/y/two",
    ]


def test_listing_a_file_lists_that_file(client: FileClient) -> None:
    client.write_file("d/f.txt", b"abc")
    expected = [{"name": "f.txt", "path": "/d/f.txt", "size": 3, "type": "file"}]

    assert client.list_files("d/f.txt") == expected
    assert client.list_files("d/f.txt", recursive=True) == expected


def test_listing_where_nothing_is_stored_lists_nothing(store: Store, client: FileClient) -> None:
    assert client.list_files("nothing/here") == []
    assert client.list_files("nothing", recursive=True) == []
    assert _stored(store, client).error_count == 0


# ---- delete ------------------------------------------------------------------------------


def test_a_deleted_file_is_gone(client: FileClient) -> None:
    client.write_file("d/gone.txt", b"x")

    assert client.delete_file("/d/gone.txt") == {"path": "/d/gone.txt", "status": "deleted"}
    assert client.list_files("d") == []
    with pytest.raises(ConnectorError, match=r"no such file: /d/gone\.txt"):
        client.read_file("d/gone.txt")


def test_deleting_a_missing_file_is_a_callers_mistake_not_recorded(
    store: Store, client: FileClient
) -> None:
    with pytest.raises(ConnectorError, match=r"^no such file: /x$"):
        client.delete_file("/x")

    assert _stored(store, client).error_count == 0


def test_a_directory_is_never_deleted(client: FileClient) -> None:
    client.write_file("keep/f", b"x")

    with pytest.raises(ConnectorError, match="not a file: /keep"):
        client.delete_file("keep")

    assert client.read_file("keep/f") == b"x"


# ---- paths that leave the base -----------------------------------------------------------

ESCAPES = ["../x", "/../x", "a/../../x", "a/b/../../../x", "x\x00y"]


@pytest.mark.parametrize("path", ESCAPES)
def test_escaping_paths_are_refused_by_every_operation(
    client: FileClient, storage: tuple[str, str], path: str
) -> None:
    storage_type, base_path = storage
    calls = [
        lambda: client.read_file(path),
        lambda: client.write_file(path, b"escaped"),
        lambda: client.delete_file(path),
        lambda: client.list_files(path),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.field == "path"

    protocol = "file" if storage_type == "local" else storage_type
    parent = os.path.dirname(base_path)
    assert not fsspec.filesystem(protocol).exists(f"{parent}/x")


# ---- connecting, health, recording -------------------------------------------------------


def test_connect_is_recorded(store: Store, client: FileClient) -> None:
    stored = _stored(store, client)

    assert stored.status is ConnectorStatus.CONNECTED
    assert stored.connection_count == 1
    assert stored.last_connected is not None
    assert client.health_check() is True


def test_disconnect_is_recorded_and_operations_are_refused_after(
    store: Store, client: FileClient
) -> None:
    client.write_file("f", b"x")

    client.disconnect()

    assert _stored(store, client).status is ConnectorStatus.DISCONNECTED
    with pytest.raises(ConnectorError, match=r"^Not connected$"):
        client.read_file("f")
    assert client.health_check() is False


def test_operations_before_connect_are_refused(store: Store, storage: tuple[str, str]) -> None:
    client = _open(store, storage)

    for call in (
        lambda: client.list_files(),
        lambda: client.read_file("f"),
        lambda: client.write_file("f", b"x"),
        lambda: client.delete_file("f"),
    ):
        with pytest.raises(ConnectorError, match=r"^Not connected$"):
            call()


def test_the_client_is_a_context_manager(store: Store, storage: tuple[str, str]) -> None:
    with _open(store, storage) as client:
        client.write_file("f", b"x")
        connector_id = client.connector_id

    stored = store.connectors.get(connector_id)
    assert stored is not None and stored.status is ConnectorStatus.DISCONNECTED


def test_health_check_fails_and_is_recorded_when_the_base_is_gone(
    store: Store, storage: tuple[str, str], client: FileClient
) -> None:
    _remove_base(storage)

    assert client.health_check() is False

    stored = _stored(store, client)
    assert stored.error_count == 1
    assert stored.status is ConnectorStatus.ERROR
    assert "health check failed" in (stored.last_error or "")
    assert "is not a directory" in (stored.last_error or "")


def test_a_miss_because_the_base_is_gone_is_the_providers_failure(
    store: Store, storage: tuple[str, str], client: FileClient
) -> None:
    _remove_base(storage)

    with pytest.raises(ConnectorError, match="read_file failed") as failed:
        client.read_file("anything")

    assert failed.value.__cause__ is not None
    assert _stored(store, client).error_count == 1


def test_a_missing_base_directory_fails_connect_with_the_reason(
    store: Store, storage: tuple[str, str]
) -> None:
    client = _open(store, storage)
    _remove_base(storage)

    assert client.connect() is False

    stored = _stored(store, client)
    assert stored.status is ConnectorStatus.ERROR
    assert stored.connection_count == 0
    assert "is not a directory" in (stored.last_error or "")


def test_an_unknown_storage_type_fails_connect_with_the_reason(store: Store) -> None:
    client = _open(store, ("no-such-protocol", "/"))

    assert client.connect() is False

    stored = _stored(store, client)
    assert "unknown storage_type 'no-such-protocol'" in (stored.last_error or "")
    assert stored.error_count == 1


def test_a_relative_local_base_path_fails_connect(store: Store) -> None:
    client = _open(store, ("local", "relative/dir"))

    assert client.connect() is False
    assert "must be absolute" in (_stored(store, client).last_error or "")


@pytest.mark.parametrize("cap", [-1, "10", 1.5, True])
def test_a_bad_max_file_bytes_fails_connect(
    store: Store, storage: tuple[str, str], cap: object
) -> None:
    client = _open(store, storage, max_file_bytes=cap)

    assert client.connect() is False
    assert "max_file_bytes" in (_stored(store, client).last_error or "")


def test_storage_options_must_be_a_dict(store: Store, storage: tuple[str, str]) -> None:
    client = _open(store, storage, storage_options=["not", "a", "dict"])

    assert client.connect() is False
    assert "storage_options must be a dict" in (_stored(store, client).last_error or "")


def test_the_context_manager_raises_when_connect_fails(store: Store) -> None:
    client = _open(store, ("no-such-protocol", "/"))

    with pytest.raises(ConnectorError, match="could not connect"), client:
        pytest.fail("the block must not run")
