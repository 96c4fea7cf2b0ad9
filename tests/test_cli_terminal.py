"""The command in a real terminal (tmux), as a person sees it: a table of connectors, and
verify's progress bar while the suite runs, then its result line."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from integration_store import FileConnector, VectorConnector, open_store

if shutil.which("tmux") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI installs tmux (.ci/run); the terminal tests must run there")
    pytest.skip("tmux is not installed", allow_module_level=True)

COMMAND = f"{shlex.quote(sys.executable)} -m integration_store.cli"
EXIT = '; echo "ex""it=$?"'
"""Typed after a command: prints its exit status, on a line the typed text does not match."""
EXITED = re.compile(r"^exit=(\d+)$", re.M)
PROGRESS = re.compile(r"^memory:// +━.* (\d+)/(\d+) (\d+) failed", re.M)


class Terminal:
    """A detached tmux session of a fixed size on a private server."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def run(self, command: str) -> None:
        self.tmux("send-keys", "-t", "cli", command, "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "cli")

    def wait_for(self, seen: Callable[[str], object], seconds: float = 300) -> str:
        """The first screen for which ``seen`` holds (polling; fails after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            screen = self.screen()
            if seen(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"never seen; the screen was:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    terminal = Terminal(f"istore-{uuid.uuid4().hex[:8]}")
    terminal.tmux("new-session", "-d", "-s", "cli", "-x", "120", "-y", "40", "-c", str(tmp_path),
                  "env", "PS1=$ ", "bash", "--norc", "--noprofile")  # fmt: skip
    try:
        yield terminal
    finally:
        terminal.tmux("kill-server")


def test_connectors_list_draws_a_table(terminal: Terminal, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    with open_store(url) as store:
        store.create_schema()
        store.connectors.register(
            VectorConnector(connector_id="vec-1", tenant_id="acme", name="Docs")
        )
        store.connectors.register(
            FileConnector(connector_id="file-1", tenant_id="acme", name="Uploads")
        )

    terminal.run(f"{COMMAND} --url {url} connectors list{EXIT}")
    screen = terminal.wait_for(EXITED.search)

    print(screen)  # what a person sees (pytest -s)
    assert EXITED.findall(screen) == ["0"]
    rows = [line for line in screen.splitlines() if "vec-1" in line or "file-1" in line]
    assert [row.split("│")[1:4] for row in rows] == [
        [" vec-1  ", " acme   ", " Docs    "],
        [" file-1 ", " acme   ", " Uploads "],
    ]


def test_verify_shows_progress_then_its_result(terminal: Terminal) -> None:
    terminal.run(f"{COMMAND} verify memory:// --pytest-arg=-k --pytest-arg=test_values{EXIT}")

    running = terminal.wait_for(PROGRESS.search)
    done = terminal.wait_for(EXITED.search)

    print(running, done, sep="\n")  # what a person sees (pytest -s)
    match = PROGRESS.search(running)
    assert match is not None and int(match[2]) > 0  # the number of tests, once collected
    assert EXITED.findall(done) == ["0"]
    (result,) = [line for line in done.splitlines() if line.startswith("memory://: ")]
    assert result.startswith("memory://: passed (")
    assert PROGRESS.search(done) is None  # the bar makes way for the result
