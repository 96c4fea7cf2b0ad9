"""The management commands end to end through click's test runner: what each prints, its JSON,
its exit code, and that secrets stay masked."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from integration_store import open_store
from integration_store.cli.app import app
from integration_store.targets import env_urls
from integration_store.test_support import isolated_url


def run(url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, ["--url", url, *args], input=stdin)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite file with the schema made by ``init``."""
    url = f"sqlite:///{tmp_path}/store.db"
    assert run(url, "init").exit_code == 0
    return url


def test_init_reports_the_url_without_its_password(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path}/new.db", "init")

    assert result.exit_code == 0
    assert result.stdout == f"schema ready at sqlite:///{tmp_path}/new.db\n"


def test_a_store_without_schema_is_unavailable_and_says_why(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path}/empty.db", "connectors", "list")

    assert result.exit_code == 3
    assert "create_schema" in result.stderr


def test_an_unreachable_server_exits_3_without_showing_the_password() -> None:
    result = run("postgresql+psycopg://me:hunter2@127.0.0.1:1/db", "connectors", "list")

    assert result.exit_code == 3
    assert "Error:" in result.stderr and "hunter2" not in result.output


def test_an_unknown_scheme_exits_3_listing_the_installed_ones() -> None:
    result = run("redis://x", "connectors", "list")

    assert result.exit_code == 3
    assert "no backend installed for URL scheme 'redis'" in result.stderr


def test_a_bad_option_is_a_usage_error() -> None:
    result = run("memory://", "connectors", "list", "--type", "nonsense")

    assert result.exit_code == 2


def test_added_connector_is_listed_with_its_credentials_masked(url: str) -> None:
    added = as_json(
        run(
            url,
            "connectors",
            "add",
            "t",
            "Docs",
            "--type",
            "vector",
            "--id",
            "c-1",
            "--credential",
            "api_key=s3cret",
            "--json",
        )
    )

    listed = as_json(run(url, "connectors", "list", "--json"))

    assert added["config"]["credentials"] == {"api_key": "***"}
    assert [c["connector_id"] for c in listed] == ["c-1"]
    assert listed[0]["connector_type"] == "vector" and listed[0]["vector_dimension"] == 1536
    assert "s3cret" not in run(url, "connectors", "list").output
    assert "s3cret" not in run(url, "connectors", "show", "c-1").output


def test_show_secrets_prints_the_credentials(url: str) -> None:
    run(
        url,
        "connectors",
        "add",
        "t",
        "Docs",
        "--id",
        "c-1",
        "--credentials-file",
        "-",
        stdin='{"api_key": "s3cret"}',
    )

    shown = as_json(run(url, "connectors", "show", "c-1", "--json", "--show-secrets"))

    assert shown["config"]["credentials"] == {"api_key": "s3cret"}
    assert shown["connector_type"] == "custom"


def test_list_filters_by_tenant_and_type_and_the_table_names_each(url: str) -> None:
    run(url, "connectors", "add", "a", "Files", "--type", "file", "--base-path", "/srv")
    run(url, "connectors", "add", "b", "Fn", "--type", "serverless", "--region", "eu-west-1")

    files = as_json(run(url, "connectors", "list", "--tenant", "a", "--type", "file", "--json"))
    table = run(url, "connectors", "list").stdout

    assert [(c["name"], c["base_path"]) for c in files] == [("Files", "/srv")]
    assert "Files" in table and "Fn" in table and "serverless" in table


def test_a_taken_name_is_refused_with_exit_1(url: str) -> None:
    run(url, "connectors", "add", "t", "Docs")

    result = run(url, "connectors", "add", "t", "Docs")

    assert result.exit_code == 1
    assert "Docs" in result.stderr


def test_show_and_delete_of_a_missing_connector_exit_1(url: str) -> None:
    assert run(url, "connectors", "show", "nope").exit_code == 1
    assert run(url, "connectors", "delete", "nope").exit_code == 1


def test_tenant_scoping_hides_another_tenants_connector(url: str) -> None:
    run(url, "connectors", "add", "a", "Docs", "--id", "c-1")

    assert run(url, "connectors", "show", "c-1", "--tenant", "b").exit_code == 1
    assert run(url, "connectors", "delete", "c-1", "--tenant", "b").exit_code == 1
    assert as_json(run(url, "connectors", "delete", "c-1", "--json")) == {"deleted": "c-1"}
    assert as_json(run(url, "connectors", "list", "--json")) == []


def test_stats_count_connectors_by_type(url: str) -> None:
    run(url, "connectors", "add", "t", "A", "--type", "vector")
    run(url, "connectors", "add", "t", "B", "--type", "vector")

    stats = as_json(run(url, "connectors", "stats", "--json"))

    assert stats["total_connectors"] == 2 and stats["connectors_by_type"] == {"vector": 2}


def test_workers_register_list_show_and_change_status(url: str) -> None:
    registered = as_json(
        run(
            url,
            "workers",
            "register",
            "summarise",
            "Summariser",
            "--moat",
            "speed",
            "--default-config",
            '{"model": "small"}',
            "--json",
        )
    )
    run(url, "workers", "register", "hidden", "Hidden", "--private")

    public = as_json(run(url, "workers", "list", "--json"))
    everyone = as_json(run(url, "workers", "list", "--all", "--json"))
    changed = as_json(run(url, "workers", "status", "summarise", "deprecated", "--json"))

    assert registered["moats"] == ["speed"] and registered["default_config"] == {"model": "small"}
    assert [w["id"] for w in public] == ["summarise"]
    assert [w["id"] for w in everyone] == ["hidden", "summarise"]
    assert changed["status"] == "deprecated"
    assert as_json(run(url, "workers", "show", "summarise", "--json"))["status"] == "deprecated"


def test_a_missing_or_taken_worker_exits_1(url: str) -> None:
    run(url, "workers", "register", "w", "W")

    assert run(url, "workers", "show", "nope").exit_code == 1
    assert run(url, "workers", "status", "nope", "available").exit_code == 1
    assert run(url, "workers", "register", "w", "Again").exit_code == 1


def test_worker_config_sets_and_shows_the_tenants_effective_config(url: str) -> None:
    run(url, "workers", "register", "w", "W", "--default-config", '{"model": "small", "t": 1}')

    before = as_json(run(url, "workers", "config", "acme", "w", "--json"))
    after = as_json(
        run(url, "workers", "config", "acme", "w", "--config", '{"model": "large"}', "--json")
    )
    disabled = as_json(run(url, "workers", "config", "acme", "w", "--disable", "--json"))

    assert before["config"] == {"model": "small", "t": 1}
    assert after["config"] == {"model": "large", "t": 1}
    assert disabled["config"] == after["config"]
    assert disabled["enabled"] is False


def test_responses_pending_show_and_interpret(url: str) -> None:
    with open_store(url) as store:
        recorded = store.external_responses.record_raw_response("openai", {"q": 1}, "classifier")
    key = str(recorded.id)

    pending = as_json(run(url, "responses", "pending", "classifier", "--json"))
    raw = as_json(run(url, "responses", "show", key, "--owner", "classifier", "--json"))
    not_yet = run(url, "responses", "show", key)
    done = as_json(
        run(
            url,
            "responses",
            "interpret",
            key,
            "--by",
            "classifier",
            "--value",
            '{"label": "spam"}',
            "--json",
        )
    )
    shown = as_json(run(url, "responses", "show", key, "--json"))
    again = run(url, "responses", "interpret", key, "--by", "classifier", "--value", "{}")

    assert [r["id"] for r in pending] == [key]
    assert raw["raw_response"] == {"q": 1}
    assert not_yet.exit_code == 1
    assert done["interpreted_value"] == {"label": "spam"}
    assert shown == {**shown, "interpreted_value": {"label": "spam"}}
    assert "raw_response" not in shown  # a consumer never sees the raw payload
    assert again.exit_code == 1  # already interpreted
    assert as_json(run(url, "responses", "pending", "classifier", "--json")) == []


def test_a_bad_response_id_or_json_value_is_a_usage_error(url: str) -> None:
    assert run(url, "responses", "show", "not-a-uuid").exit_code == 2
    key = str(uuid.uuid4())
    assert run(url, "responses", "interpret", key, "--by", "x", "--value", "[1]").exit_code == 2
    assert run(url, "responses", "interpret", key, "--by", "x", "--value", "{}").exit_code == 1


def test_the_url_comes_from_the_environment_then_a_file_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    from_env = CliRunner(env={"INTEGRATION_STORE_URL": f"sqlite:///{tmp_path}/env.db"})
    assert from_env.invoke(app, ["init"]).exit_code == 0
    assert [path.name for path in tmp_path.iterdir()] == ["env.db"]

    plain = CliRunner(env={"INTEGRATION_STORE_URL": None})
    assert plain.invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "integration-store.db").exists()


_SERVER_URLS: list[Any] = env_urls() or [pytest.param("", marks=pytest.mark.skip("no server"))]


@pytest.fixture(params=_SERVER_URLS)
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A private database on each server ``INTEGRATION_STORE_TEST_URLS`` names."""
    with isolated_url(request.param) as private:
        yield private


def test_connectors_list_json_works_on_each_server(server_url: str) -> None:
    assert run(server_url, "init").exit_code == 0
    run(server_url, "connectors", "add", "t", "Docs", "--id", "c-1", "--credential", "k=v")

    listed = as_json(run(server_url, "connectors", "list", "--json"))

    assert [(c["connector_id"], c["config"]["credentials"]) for c in listed] == [
        ("c-1", {"k": "***"})
    ]
