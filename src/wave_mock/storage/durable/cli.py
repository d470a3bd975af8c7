"""``wave-mock data``: JSON Lines out of a data file (the import is automatic, see jsonl.py)."""

from __future__ import annotations

import sqlite3
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def data_group() -> None:
    """Work with --data-file files."""


@data_group.command("export")
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.File("wb"), default="-", help="Where to write the JSON Lines [default: stdout].")
def export(data_file: str, out: click.utils.LazyFile) -> None:
    """Write every stored event of DATA_FILE as JSON Lines (one journal record a line).

    The output is itself a valid --data-file: a server started on it imports it.
    Safe while a server runs on DATA_FILE (SQLite readers do not block its writer).
    """
    from wave_mock.storage.durable.jsonl import export_lines

    try:
        db = open_read_only(data_file)
        count = 0
        for line in export_lines(db):
            out.write(line)
            count += 1
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{data_file} is not a wave-mock data file: {exc}") from None
    click.echo(f"exported {count} events", err=True)
    sys.stdout.flush()


def open_read_only(data_file: str) -> sqlite3.Connection:
    """Open a data file for reading; safe beside the server that writes it."""
    return sqlite3.connect(f"file:{data_file}?mode=ro", uri=True)
