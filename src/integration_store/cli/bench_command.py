"""``integration-store bench``: its options are parsed by the bench's own argparse parser
(``integration_store.bench.command``), so they stay documented and tested in one place."""

from __future__ import annotations

import argparse

import click


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Time the public API against raw-driver, SQLAlchemy Core and ORM-style baselines
    (bench --help for its options)."""
    from integration_store.bench.command import add_arguments, run

    parser = argparse.ArgumentParser(
        prog="integration-store bench",
        description="Time the common calls on each URL (default: memory://, a temporary SQLite "
        "file, mongomock://) against hand-written baselines doing the same work in the same "
        "process; print µs per operation and ratios with their targets. Server URLs run on a "
        "private database, dropped afterwards.",
    )
    add_arguments(parser)
    code = run(parser.parse_args(list(args)))
    click.get_current_context().exit(code)


@click.command(
    "bench-vectors",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench_vectors(args: tuple[str, ...]) -> None:
    """Time exact vector search (cold and warm) against raw numpy on the same matrix
    (bench-vectors --help for its options)."""
    try:
        from integration_store.bench.vectors import parser, run
    except ImportError as missing:
        if missing.name != "numpy":
            raise
        raise click.ClickException(
            "bench-vectors needs numpy: pip install 'integration-store[vectors]'"
        ) from None
    code = run(parser().parse_args(list(args)))
    click.get_current_context().exit(code)
