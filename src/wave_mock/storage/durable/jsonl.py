"""JSON Lines in and out of a data file: the old journal format, one event per line.

    {"tenant": "t_…", "eventId": "evt_…", "receivedAt": 1.7e9, "time": 1.7e9, "event": {…}}
    {"reset": "t_…"}   (or null: every tenant)

Import: a ``--data-file`` that holds JSON Lines (what wave-mock wrote before it used
SQLite, or what ``wave-mock data export`` writes) is converted on start; the original is
kept beside it as ``FILE.jsonl-imported``. A line that is torn, not JSON, or of the wrong
shape is skipped with a warning naming its number; the rest is imported.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from wave_mock.storage.columns import id_number
from wave_mock.storage.durable import rows
from wave_mock.storage.durable.records import Records, entry_problem, item_problems, split
from wave_mock.spec import Spec

log = logging.getLogger("wave_mock.data_file")
IMPORTED_SUFFIX = ".jsonl-imported"
PREVIEW = 120


def read_journal(path: Path, spec: Spec) -> tuple[list[Records], int]:
    """Return the journal's events after its resets, as runs of one tenant, and the highest id number.

    Bad lines are skipped with a warning that names the line; ids of skipped and reset
    events still count towards the highest number, so none is handed out twice.
    """
    kept: list[tuple[int, dict[str, Any]]] = []
    last = 0
    for number, entry in _entries(path):
        if "reset" in entry:
            kept = [(n, e) for n, e in kept if entry["reset"] is not None and e["tenant"] != entry["reset"]]
            continue
        kept.append((number, entry))
        last = max(last, id_number(entry["eventId"]))
    runs: list[Records] = []
    for numbers, run in _runs(kept):
        problems = item_problems(run, spec)
        for number, problem in zip(numbers, problems):
            if problem is not None:
                log.warning("journal %s: skipped line %d: %s", path, number, problem)
        runs.append(split(run, problems))
    return [r for r in runs if len(r)], last


def _entries(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                log.warning("journal %s: skipped torn line %d (not JSON): %r", path, number, line[:PREVIEW])
                continue
            problem = entry_problem(entry)
            if problem is not None:
                log.warning("journal %s: skipped line %d: %s: %r", path, number, problem, line[:PREVIEW])
                continue
            yield number, entry


def _runs(kept: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[list[int], Records]]:
    """Group consecutive entries of one tenant, keeping their line numbers."""
    numbers: list[int] = []
    run: Records | None = None
    for number, entry in kept:
        if run is None or entry["tenant"] != run.tenant:
            if run is not None:
                yield numbers, run
            numbers, run = [], Records(entry["tenant"], [], [], [], [])
        numbers.append(number)
        run.ids.append(entry["eventId"])
        run.received.append(entry["receivedAt"])
        run.times.append(entry["time"])
        run.bodies.append(entry["event"])
    if run is not None:
        yield numbers, run


def import_journal(path: Path, spec: Spec, connect: Callable[[Path], sqlite3.Connection]) -> None:
    """Replace the JSON Lines journal at ``path`` by a database of its events; keep the original."""
    runs, last = read_journal(path, spec)
    fresh = path.with_name(path.name + ".importing")
    for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
        leftover.unlink(missing_ok=True)
    db = connect(fresh)
    try:
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(rows.INSERT, [rows.encode_records(run) for run in runs])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last_id', ?)", (last,))
    finally:
        db.close()  # the last connection checkpoints and removes the -wal file
    kept = _free_name(path.with_name(path.name + IMPORTED_SUFFIX))
    os.replace(path, kept)
    os.replace(fresh, path)
    _sync_directory(path.parent)
    log.warning("data file %s: imported %d events from a JSON Lines journal; the journal is kept as %s",
                path, sum(map(len, runs)), kept)


def export_lines(db: sqlite3.Connection) -> Iterator[bytes]:
    """Yield one journal line per stored event, oldest first (rows that fail to decode are skipped)."""
    for records in stored_records(db):
        for values in zip(records.ids, records.received, records.times, records.bodies):
            line = dict(zip(("eventId", "receivedAt", "time", "event"), values), tenant=records.tenant)
            yield orjson.dumps(line) + b"\n"


def stored_records(db: sqlite3.Connection) -> Iterator[Records]:
    """Yield the stored events row by row (one tenant each), oldest first; bad rows are skipped with a warning."""
    for row in db.execute(f"SELECT {rows.COLUMNS} FROM batches ORDER BY seq"):
        try:
            yield rows.decode(row)
        except ValueError as problem:
            log.warning("data file: skipped row %d: %s", row[0], problem)


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}.{n}"), n + 1
    return candidate


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
