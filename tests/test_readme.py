"""The README's quickstart runs as written, and its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integration_store.targets import env_urls
from integration_store.test_support import isolated_url

README = Path(__file__).resolve().parent.parent / "README.md"


def _quickstart() -> str:
    (snippet,) = re.findall(r"## Quickstart\n\n```python\n(.*?)```", README.read_text(), re.S)
    return str(snippet)


def test_quickstart_runs_as_written() -> None:
    exec(compile(_quickstart(), "README quickstart", "exec"), {})


def _named_urls(tmp_path: Path) -> list[str]:
    """Every URL the Quickstart's comment names, made concrete: a new SQLite file and a private
    database on each server of ``INTEGRATION_STORE_TEST_URLS`` of the kinds it names."""
    opening = next(line for line in _quickstart().splitlines() if "open_store(" in line)
    named = re.findall(r'"(\w[\w+]*)://', opening)
    urls = [f"sqlite:///{tmp_path}/app.db"] if "sqlite" in named else []
    return urls + [url for url in env_urls() if url.split("://")[0] in named]


def test_quickstart_runs_as_written_on_every_url_it_names(tmp_path: Path) -> None:
    snippet = _quickstart()
    urls = _named_urls(tmp_path)
    assert urls, "the Quickstart names no other URL"
    for url in urls:
        with isolated_url(url) as private:
            concrete = snippet.replace('open_store("memory://")', f"open_store({private!r})", 1)
            assert concrete != snippet
            exec(compile(concrete, f"README quickstart on {url}", "exec"), {})


def test_claims_example_runs_as_written() -> None:
    text = README.read_text()
    (snippet,) = re.findall(r"## Claims with leases\n\n.*?```python\n(.*?)```", text, re.S)

    exec(compile(snippet, "README claims", "exec"), {})


def test_revisions_example_runs_as_written() -> None:
    text = README.read_text()
    (snippet,) = re.findall(r"## Optimistic revisions\n\n.*?```python\n(.*?)```", text, re.S)

    exec(compile(snippet, "README revisions", "exec"), {})


def test_live_connectors_example_runs_as_written() -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("fsspec")
    (snippet,) = re.findall(r"## Live connectors\n.*?```python\n(.*?)```", README.read_text(), re.S)
    exec(compile(snippet, "README live connectors", "exec"), {})


def test_ci_runs_the_readme_test_command() -> None:
    text = README.read_text()
    (command,) = re.findall(r"## Tests\n\n```bash\n(.*?)\n```", text, re.S)
    ci_script = (README.parent / ".ci" / "run").read_text()

    assert command.strip() in ci_script.splitlines()
