"""The MongoDB commands each workload sends, ours and the raw pymongo baseline's, by shape.

The bench compares ours with raw pymongo issuing the same server command; this is how a test
proves it on a MongoDB-wire server. pymongo reports commands to listeners registered for the
whole process, so ``command_shapes`` is meant for a process of its own (the test spawns one):
the listener it registers stays for that process's life.
"""

from __future__ import annotations

from typing import Any, Final

from pymongo import monitoring

from .dataset import Dataset
from .harness import Settings, build_fixture, opened, seed
from .workloads import WORKLOADS

_IGNORED: Final = frozenset({"lsid", "$db", "$clusterTime", "txnNumber", "$readPreference"})
"""Command fields the driver adds on its own (sessions, routing), not the call's."""

Shape = tuple[str, Any]
"""A command's name and its fields with every value replaced by its type's name."""


class _Recorder(monitoring.CommandListener):
    def __init__(self) -> None:
        self.sent: list[Shape] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = {key: value for key, value in event.command.items() if key not in _IGNORED}
        self.sent.append((event.command_name, _shape(command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Only what is sent matters."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Only what is sent matters."""


def _shape(value: Any) -> Any:
    """Keys and nesting kept, values by type (ids, names and times differ between the two)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shape(item) for item in value]
    if isinstance(value, str):
        return "str"  # a str Enum member too: BSON sends it as its text
    return type(value).__name__


def command_shapes(url: str) -> dict[str, tuple[list[Shape], list[Shape]]]:
    """For each workload, the shapes of the commands one operation of ours sends and those of
    the raw baseline's, on a private database of the MongoDB server at ``url``, at tiny sizes."""
    recorder = _Recorder()
    monitoring.register(recorder)  # before the clients are made: they copy the listeners
    settings = Settings(rows=200, ops=3, bulk_size=2)
    shapes: dict[str, tuple[list[Shape], list[Shape]]] = {}
    with opened(url) as (store, baselines):
        dataset = Dataset(settings.rows, settings.seed)
        seed(store, baselines, dataset)
        fixture = build_fixture(store, dataset, settings)
        (raw,) = baselines
        for number, workload in enumerate(WORKLOADS):
            recorder.sent.clear()
            workload.ours(store, fixture, f"w{number}-ours")(0)
            ours = list(recorder.sent)
            recorder.sent.clear()
            workload.baseline(raw, fixture, f"w{number}-raw")(0)
            shapes[workload.name] = (ours, list(recorder.sent))
    return shapes
