"""The README's quickstart runs as written, and its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_quickstart_runs_as_written() -> None:
    text = README.read_text()
    (snippet,) = re.findall(r"## Quickstart\n\n```python\n(.*?)```", text, re.S)

    exec(compile(snippet, "README quickstart", "exec"), {})


def test_claims_example_runs_as_written() -> None:
    text = README.read_text()
    (snippet,) = re.findall(r"## Claims with leases\n\n.*?```python\n(.*?)```", text, re.S)

    exec(compile(snippet, "README claims", "exec"), {})


def test_revisions_example_runs_as_written() -> None:
    text = README.read_text()
    (snippet,) = re.findall(r"## Optimistic revisions\n\n.*?```python\n(.*?)```", text, re.S)

    exec(compile(snippet, "README revisions", "exec"), {})


def test_ci_runs_the_readme_test_command() -> None:
    text = README.read_text()
    (command,) = re.findall(r"## Tests\n\n```bash\n(.*?)\n```", text, re.S)
    ci_script = (README.parent / ".ci" / "run").read_text()

    assert command.strip() in ci_script.splitlines()
