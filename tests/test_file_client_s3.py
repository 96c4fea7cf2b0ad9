"""The file client on S3 through s3fs, against a moto S3 server on loopback.

Each test uses a bucket of its own (moto keeps its state per process, not per server); the test
that stops the server runs one of its own. Timeouts are one second and retries none, so a server
that went away fails a call at once instead of after botocore's minutes of retrying.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

from integration_store import ConnectorConfig, ConnectorStatus, open_store  # noqa: E402
from integration_store.errors import ConnectorError, ValidationError  # noqa: E402
from integration_store.live.files import FileClient  # noqa: E402
from integration_store.store import Store  # noqa: E402

ACCESS_KEY = "AKIAFILECLIENTTEST01"
SECRET_KEY = "s3cr3t/Fi1eClient+Key-never-shown-0123456789"
"""The secret access key the tests check never shows up in a message or a log record."""
CAP = 64


class _Server:
    """A moto S3 server on 127.0.0.1 (a free port) and a boto3 client of it for setup."""

    def __init__(self) -> None:
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def bucket(self) -> str:
        name = f"files-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        self.server.stop()
        # ``stop`` leaves the listening socket open (connections would hang until a
        # timeout); closing it makes the server refuse them, as a stopped service does.
        self.server._server.server_close()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[_Server]:
    server = _Server()
    yield server
    server.stop()


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("memory://") as opened:
        yield opened


def _config(endpoint: str, **options: Any) -> ConnectorConfig:
    return ConnectorConfig(
        endpoint=endpoint,
        timeout_seconds=1,
        max_retries=0,
        credentials={"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY},
        options={"max_file_bytes": CAP, "region": "us-east-1", **options},
    )


def _open(store: Store, endpoint: str, base_path: str, **options: Any) -> FileClient:
    connector = store.connectors.create_file_connector(
        "tenant",
        f"s3-{uuid.uuid4().hex[:8]}",
        config=_config(endpoint, **options),
        storage_type="s3",
        base_path=base_path,
    )
    client = store.connectors.open(connector.connector_id)
    assert isinstance(client, FileClient)
    return client


@pytest.fixture
def client(store: Store, s3_server: _Server) -> Iterator[FileClient]:
    opened = _open(store, s3_server.endpoint, f"/{s3_server.bucket()}/base")
    assert opened.connect(), opened.connector.last_error
    yield opened
    opened.disconnect()


def _stored(store: Store, client: FileClient) -> Any:
    connector = store.connectors.get(client.connector_id)
    assert connector is not None
    return connector


def _assert_secret_nowhere(store: Store, client: FileClient, *texts: str) -> None:
    stored = _stored(store, client)
    for text in (*texts, stored.last_error or ""):
        assert SECRET_KEY not in text


# ---- the operations ----------------------------------------------------------------------


def test_what_was_written_is_read_back_byte_for_byte(client: FileClient) -> None:
    content = bytes(range(CAP))

    assert client.write_file("/d/blob.bin", content) == {
        "path": "/d/blob.bin",
        "size": CAP,
        "status": "success",
    }
    assert client.read_file("d/blob.bin") == content


def test_an_empty_object_reads_back_empty(client: FileClient) -> None:
    client.write_file("empty", b"")

    assert client.read_file("empty") == b""


def test_the_cap_holds_on_s3(client: FileClient, s3_server: _Server) -> None:
    client.write_file("at-cap", b"x" * CAP)
    with pytest.raises(ValidationError) as refused:
        client.write_file("over-cap", b"x" * (CAP + 1))

    assert refused.value.field == "content"
    assert client.read_file("at-cap") == b"x" * CAP
    assert [entry["path"] for entry in client.list_files()] == ["/at-cap"]


def test_an_object_over_the_cap_is_refused_on_read(
    store: Store, client: FileClient, s3_server: _Server
) -> None:
    bucket, prefix = client.connector.base_path.strip("/").split("/", 1)
    s3_server.s3.put_object(Bucket=bucket, Key=f"{prefix}/big", Body=b"x" * (CAP + 1))

    with pytest.raises(ConnectorError, match="file too large: /big is 65 bytes"):
        client.read_file("big")

    assert _stored(store, client).error_count == 0


def test_listings_are_sorted_recursive_ones_hold_only_files(client: FileClient) -> None:
    for path in ("b", "a", "sub/one", "sub/deeper/two"):
        client.write_file(path, b"12")

    assert client.list_files() == [
        {"name": "a", "path": "/a", "size": 2, "type": "file"},
        {"name": "b", "path": "/b", "size": 2, "type": "file"},
        {"name": "sub", "path": "/sub", "size": 0, "type": "directory"},
    ]
    assert [entry["path"] for entry in client.list_files(recursive=True)] == [
        "/a",
        "/b",
        "/sub/deeper/two",
        "/sub/one",
    ]
    assert client.list_files("nothing/here") == []
    assert client.list_files("sub/one", recursive=True) == [
        {"name": "one", "path": "/sub/one", "size": 2, "type": "file"}
    ]


def test_delete_and_a_missing_object(store: Store, client: FileClient) -> None:
    client.write_file("gone", b"x")

    assert client.delete_file("gone") == {"path": "/gone", "status": "deleted"}
    with pytest.raises(ConnectorError, match=r"^no such file: /gone$"):
        client.read_file("gone")
    with pytest.raises(ConnectorError, match=r"^no such file: /gone$"):
        client.delete_file("gone")
    assert _stored(store, client).error_count == 0


@pytest.mark.parametrize("path", ["../x", "a/../../x", "x\x00"])
def test_escaping_paths_are_refused(client: FileClient, path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        client.write_file(path, b"x")

    assert refused.value.field == "path"


# ---- connecting and failing --------------------------------------------------------------


def test_connect_is_recorded(store: Store, client: FileClient) -> None:
    stored = _stored(store, client)

    assert (stored.status, stored.connection_count) == (ConnectorStatus.CONNECTED, 1)
    assert client.health_check() is True


def test_a_missing_bucket_fails_connect(store: Store, s3_server: _Server) -> None:
    client = _open(store, s3_server.endpoint, "no-such-bucket-here/base")

    assert client.connect() is False

    stored = _stored(store, client)
    assert stored.status is ConnectorStatus.ERROR
    assert stored.last_error == (
        "connect failed: StorageUnavailable: bucket 'no-such-bucket-here' does not exist"
    )


def test_a_base_path_without_a_bucket_fails_connect(store: Store, s3_server: _Server) -> None:
    client = _open(store, s3_server.endpoint, "/")

    assert client.connect() is False
    assert "must name a bucket" in (_stored(store, client).last_error or "")


def test_a_stopped_server_fails_the_health_check_and_never_shows_the_secret(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = _Server()
    client = _open(store, server.endpoint, server.bucket())
    assert client.connect()
    client.write_file("f", b"x")
    server.stop()

    healthy = client.health_check()
    with pytest.raises(ConnectorError, match="read_file failed") as failed:
        client.read_file("f")

    assert healthy is False
    stored = _stored(store, client)
    assert stored.error_count == 2
    assert "health check failed" not in (stored.last_error or "")  # the read's came last
    _assert_secret_nowhere(store, client, str(failed.value))
    assert all(SECRET_KEY not in record.getMessage() for record in caplog.records)


def test_an_unreachable_endpoint_fails_connect_with_the_reason(store: Store) -> None:
    server = _Server()
    bucket = server.bucket()
    server.stop()
    client = _open(store, server.endpoint, bucket)

    assert client.connect() is False

    stored = _stored(store, client)
    assert stored.status is ConnectorStatus.ERROR
    assert "connect failed" in (stored.last_error or "")
    _assert_secret_nowhere(store, client)


def test_a_provider_message_quoting_the_secret_is_redacted(
    store: Store, s3_server: _Server, caplog: pytest.LogCaptureFixture
) -> None:
    # A misplaced credential the provider's own error quotes back: here the secret given as
    # the region, which botocore refuses by repeating it.
    caplog.set_level(logging.DEBUG)
    client = _open(
        store,
        s3_server.endpoint,
        s3_server.bucket(),
        storage_options={"client_kwargs": {"region_name": SECRET_KEY}},
    )

    assert client.connect() is False
    with pytest.raises(ConnectorError, match="could not connect") as failed:
        client.__enter__()

    stored = _stored(store, client)
    assert "***" in (stored.last_error or "")
    _assert_secret_nowhere(store, client, str(failed.value))
    assert all(SECRET_KEY not in record.getMessage() for record in caplog.records)


def test_a_key_and_a_prefix_sharing_a_name_are_both_listed(client: FileClient) -> None:
    client.write_file("a", b"1")
    client.write_file("a/b", b"22")

    assert client.list_files() == [
        {"name": "a", "path": "/a", "size": 0, "type": "directory"},
        {"name": "a", "path": "/a", "size": 1, "type": "file"},
    ]
    assert client.read_file("a") == b"1"


def test_storage_options_are_passed_to_s3fs_over_the_derived_ones(
    store: Store, s3_server: _Server
) -> None:
    client = _open(
        store,
        "http://127.0.0.1:9",  # the discard port: nothing answers S3 there
        s3_server.bucket(),
        storage_options={"endpoint_url": s3_server.endpoint},
    )

    assert client.connect(), client.connector.last_error
    client.write_file("f", b"through the storage options' endpoint")
    client.disconnect()
