"""What the file client does only on the machine's own disk: links that lead out of the base
are refused, and writes are atomic."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_store import ConnectorConfig, open_store
from integration_store.errors import ConnectorError, ValidationError
from integration_store.live import local_files
from integration_store.live.files import FileClient
from integration_store.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path}/store.db") as opened:
        opened.create_schema()
        yield opened


@pytest.fixture
def base(tmp_path: Path) -> Path:
    directory = tmp_path / "base"
    directory.mkdir()
    return directory


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "secret.txt").write_bytes(b"not yours")
    return directory


@pytest.fixture
def client(store: Store, base: Path) -> Iterator[FileClient]:
    connector = store.connectors.create_file_connector(
        "tenant", "local", config=ConnectorConfig(), storage_type="local", base_path=str(base)
    )
    opened = store.connectors.open(connector.connector_id)
    assert isinstance(opened, FileClient)
    assert opened.connect(), opened.connector.last_error
    yield opened
    opened.disconnect()


# ---- links -------------------------------------------------------------------------------


def test_reading_through_a_link_leading_out_is_refused(
    client: FileClient, base: Path, outside: Path
) -> None:
    (base / "out").symlink_to(outside)
    (base / "secret-link").symlink_to(outside / "secret.txt")

    for path in ("out/secret.txt", "secret-link"):
        with pytest.raises(ValidationError) as refused:
            client.read_file(path)
        assert refused.value.field == "path"


def test_writing_through_a_link_leading_out_is_refused_and_nothing_is_written(
    client: FileClient, base: Path, outside: Path
) -> None:
    (base / "out").symlink_to(outside)
    (base / "dangling").symlink_to(outside / "not-yet.txt")

    for path in ("out/new.txt", "out/secret.txt", "dangling", "out/deeper/new.txt"):
        with pytest.raises(ValidationError):
            client.write_file(path, b"escaped")

    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"not yours"


def test_deleting_through_a_link_leading_out_is_refused(
    client: FileClient, base: Path, outside: Path
) -> None:
    (base / "out").symlink_to(outside)

    with pytest.raises(ValidationError):
        client.delete_file("out/secret.txt")

    assert (outside / "secret.txt").exists()


def test_a_listing_leaves_out_links_leading_out(
    client: FileClient, base: Path, outside: Path
) -> None:
    (base / "out").symlink_to(outside)
    (base / "secret-link").symlink_to(outside / "secret.txt")
    client.write_file("mine.txt", b"m")

    assert [entry["path"] for entry in client.list_files()] == ["/mine.txt"]
    assert [entry["path"] for entry in client.list_files(recursive=True)] == ["/mine.txt"]
    with pytest.raises(ValidationError):
        client.list_files("out")


def test_a_link_inside_the_base_is_followed_on_read_and_write(
    client: FileClient, base: Path
) -> None:
    client.write_file("real/f.txt", b"one")
    (base / "alias").symlink_to(base / "real")

    assert client.read_file("alias/f.txt") == b"one"
    client.write_file("alias/f.txt", b"two")
    assert (base / "real" / "f.txt").read_bytes() == b"two"


def test_deleting_a_link_deletes_the_link_not_its_target(client: FileClient, base: Path) -> None:
    client.write_file("target.txt", b"stays")
    (base / "link.txt").symlink_to(base / "target.txt")

    client.delete_file("link.txt")

    assert not (base / "link.txt").is_symlink()
    assert (base / "target.txt").read_bytes() == b"stays"


def test_a_base_path_that_is_a_link_works_through_its_real_path(
    store: Store, base: Path, tmp_path: Path
) -> None:
    (tmp_path / "base-link").symlink_to(base)
    connector = store.connectors.create_file_connector(
        "tenant", "linked", storage_type="local", base_path=str(tmp_path / "base-link")
    )

    with store.connectors.open(connector.connector_id) as client:
        client.write_file("a/b.txt", b"x")
        assert client.list_files("a") == [
            {"name": "b.txt", "path": "/a/b.txt", "size": 1, "type": "file"}
        ]
    assert (base / "a" / "b.txt").read_bytes() == b"x"


# ---- atomic writes -----------------------------------------------------------------------


def test_the_old_content_stays_in_place_until_the_new_is_complete(
    client: FileClient, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.write_file("f.txt", b"old content")
    seen_while_writing: list[bytes] = []
    real_fsync = os.fsync

    def fsync_and_look(descriptor: int) -> None:
        real_fsync(descriptor)
        seen_while_writing.append((base / "f.txt").read_bytes())

    monkeypatch.setattr(local_files.os, "fsync", fsync_and_look)

    client.write_file("f.txt", b"new content, longer than the old")

    assert seen_while_writing == [b"old content"]
    assert client.read_file("f.txt") == b"new content, longer than the old"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    store: Store, client: FileClient, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.write_file("f.txt", b"old")

    def refuse(source: str, target: str) -> None:
        raise PermissionError("rename refused")

    monkeypatch.setattr(local_files.os, "replace", refuse)

    with pytest.raises(ConnectorError, match="write_file failed: PermissionError"):
        client.write_file("f.txt", b"new")

    assert os.listdir(base) == ["f.txt"]
    assert (base / "f.txt").read_bytes() == b"old"
    stored = store.connectors.get(client.connector_id)
    assert stored is not None and stored.error_count == 1


def test_a_replaced_file_keeps_its_mode(client: FileClient, base: Path) -> None:
    client.write_file("script.sh", b"#!/bin/sh\n")
    os.chmod(base / "script.sh", 0o750)

    client.write_file("script.sh", b"#!/bin/sh\nexit 0\n")

    assert stat.S_IMODE(os.stat(base / "script.sh").st_mode) == 0o750


def test_a_new_file_gets_the_usual_mode(client: FileClient, base: Path) -> None:
    client.write_file("new.txt", b"x")

    assert stat.S_IMODE(os.stat(base / "new.txt").st_mode) == local_files.NEW_FILE_MODE


def test_temporary_files_of_writes_in_progress_are_not_listed(
    client: FileClient, base: Path
) -> None:
    (base / f"{local_files.TEMP_PREFIX}abc.tmp").write_bytes(b"half")
    client.write_file("done.txt", b"whole")

    assert [entry["path"] for entry in client.list_files()] == ["/done.txt"]


def test_writing_under_a_file_is_a_callers_mistake(store: Store, client: FileClient) -> None:
    client.write_file("plain", b"x")

    with pytest.raises(ConnectorError, match="cannot write /plain/child: a parent is a file"):
        client.write_file("plain/child", b"y")

    stored = store.connectors.get(client.connector_id)
    assert stored is not None and stored.error_count == 0


def test_a_fifo_is_not_read(client: FileClient, base: Path) -> None:
    os.mkfifo(base / "pipe")

    with pytest.raises(ConnectorError, match="not a file: /pipe"):
        client.read_file("pipe")
