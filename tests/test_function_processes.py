"""An asynchronous invocation made in one process is read by ``get_result`` in another, on a
SQLite file: the record, not the process that ran it, holds the outcome."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from integration_store import open_store
from integration_store.protocols import INVOCATIONS

TIMEOUT_SECONDS = 60
"""Bound on each process (they take about a second, most of it imports)."""

INVOKER = textwrap.dedent(
    """
    import json, os, sys
    from integration_store import open_store
    from integration_store.functions import register_function

    register_function("square", lambda payload: {"square": payload["n"] ** 2, "pid": os.getpid()})
    with open_store(sys.argv[1]) as store:  # closing waits for the pool to finish
        with store.connectors.open("fn") as client:
            answer = client.invoke("square", {"n": 7}, async_invoke=True)
    print(json.dumps({"answer": answer, "pid": os.getpid()}))
    """
)

READER = textwrap.dedent(
    """
    import json, sys
    from integration_store import open_store
    from integration_store.functions import function_names

    assert "square" not in function_names()  # this process could not have run it
    with open_store(sys.argv[1]) as store, store.connectors.open("fn") as client:
        print(json.dumps(client.get_result(sys.argv[2])))
    """
)


def _run(script: str, *arguments: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_a_result_invoked_in_one_process_is_read_in_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/functions.db"
    with open_store(url) as setup:
        assert INVOCATIONS in setup.capabilities
        setup.create_schema()
        setup.connectors.create_serverless_connector("t", "fn", platform="local", connector_id="fn")

    invoked = _run(INVOKER, url)
    answer = invoked["answer"]
    assert isinstance(answer, dict) and answer["status"] == "invoked"
    read = _run(READER, url, str(answer["request_id"]))

    assert read["status"] == "completed"
    assert read["result"] == {"square": 49, "pid": invoked["pid"]}
    assert read["request_id"] == answer["request_id"] and read["error"] is None
