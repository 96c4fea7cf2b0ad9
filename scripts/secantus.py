#!/usr/bin/env python
"""Start a throw-away SecantusDB server for the MongoDB contract tests; print its URL.

SecantusDB (PyPI ``SecantusDB``, GPL-2.0) is a MongoDB-wire-protocol server. It is a test-time
tool only: this script runs it as a separate process and talks to it over a socket; no library
code imports it.

Usage (what ``.ci/run`` does)::

    URL=$(python scripts/secantus.py /tmp/secantus.pid) || exit 1
    old="${INTEGRATION_STORE_TEST_URLS:-}"
    export INTEGRATION_STORE_TEST_URLS="${old:+$old,}$URL"
    trap 'kill "$(cat /tmp/secantus.pid)"' EXIT   # SIGTERM: clean shutdown, :memory: data removed

The server listens on 127.0.0.1 on a free port (``--port 0``) with in-memory storage (a
test restarting a server passes its port and a ``--storage-path`` directory). The
script waits (bounded by ``--timeout``) until the server answers ``ping``, then prints
``mongodb://127.0.0.1:PORT/its_test`` on stdout, writes the server's PID to PIDFILE, and exits
0, leaving the server running in its own session with stdin/stdout/stderr detached (its log goes
to ``--log``, default ``PIDFILE.log``), so ``$(...)`` returns at once. On failure it stops the
server, prints the log's tail on stderr, and exits 1.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

LISTENING = re.compile(r"secantus listening on ([0-9.]+):(\d+)")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pidfile", type=Path, help="file to write the server's PID to")
    parser.add_argument("--database", default="its_test", help="database named in the URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--storage-path", default=":memory:", help="WiredTiger home (:memory:)")
    parser.add_argument("--log", type=Path, help="server log file (default: PIDFILE.log)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for ping")
    return parser.parse_args(argv)


def _listening_port(log: Path) -> int | None:
    try:
        found = LISTENING.search(log.read_text(errors="replace"))
    except FileNotFoundError:
        return None
    return int(found.group(2)) if found else None


def _answers_ping(url: str) -> bool:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(
        url, directConnection=True, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _fail(message: str, server: subprocess.Popen[bytes], log: Path) -> int:
    if server.poll() is None:
        _stop(server)
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
    print(f"secantus.py: {message}\n--- {log} ---\n{tail}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Start the server, wait for ping, print the URL; 0 on success, 1 on failure."""
    args = _arguments(argv)
    log: Path = args.log or args.pidfile.with_name(args.pidfile.name + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "secantus",
        "--host", args.host, "--port", str(args.port), "--storage-path", args.storage_path,
    ]
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this script; stopped by PID
        )
    deadline = time.monotonic() + args.timeout
    url = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return _fail(f"server exited with code {server.returncode}", server, log)
        port = _listening_port(log)
        if port is not None:
            url = f"mongodb://{args.host}:{port}/{args.database}"
            if _answers_ping(url):
                break
        time.sleep(0.1)
    else:
        return _fail(f"no ping answer within {args.timeout} s", server, log)
    args.pidfile.write_text(f"{server.pid}\n")
    print(url, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
