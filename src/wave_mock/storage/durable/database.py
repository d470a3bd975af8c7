"""``DataFile``: the SQLite database behind ``--data-file``, with group commit.

Every change (a batch, a reset) is queued; one thread at a time commits everything queued
in one transaction, so concurrent requests share one fsync. Only after COMMIT returns are
the changes applied to memory, in commit order, so memory never holds what the disk
lacks, and eviction (applied with each insert, oldest row first) removes on disk exactly
what it removes in memory. A failed commit (a full disk, an I/O error) is rolled back
whole and every request in it fails: nothing half-stored, nothing applied.

Pragmas: WAL with ``synchronous=FULL``, so each COMMIT fsyncs the write-ahead log before
it returns (NORMAL would only sync at checkpoints, and a power cut could lose an
acknowledged event).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from wave_mock.storage.durable import jsonl, lock, rows
from wave_mock.storage.durable.records import Records, item_problems, split
from wave_mock.events import EventBatch
from wave_mock.spec import Spec

log = logging.getLogger("wave_mock.data_file")
SQLITE_HEADER = b"SQLite format 3\x00"


class DataFileError(Exception):
    """A change did not reach the disk (and was not applied)."""


@dataclass
class Change:
    """One queued change: a batch to insert, or a reset (``batch`` None; ``tenant`` None = everyone)."""

    batch: EventBatch | None
    tenant: str | None
    apply: Callable[[], None]
    settled: bool = False
    error: BaseException | None = None


@dataclass
class Loaded:
    """What start-up read: events loaded and skipped, and the highest event number ever given."""

    events: int = 0
    skipped: int = 0
    last_number: int = 0


class DataFile:
    """The durable copy of one app's events."""

    def __init__(self, path: str | Path, spec: Spec, max_events: int, lock_fd: int | None = None) -> None:
        self.path = Path(path)
        self.max_events = max_events
        self._lock_fd = lock.acquire(self.path) if lock_fd is None else lock.adopt(lock_fd, self.path)
        try:
            self._db = open_database(self.path, spec)
        except BaseException:
            lock.release(self._lock_fd)
            raise
        self.live = 0
        self._last_id = 0
        self._queue: list[Change] = []
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()

    # -- start-up ---------------------------------------------------------------------

    def load(self, spec: Spec, apply: Callable[[EventBatch], None]) -> Loaded:
        """Pass every stored batch to ``apply`` in commit order, skipping (and setting aside) bad items.

        Row by row, so start-up never holds the whole file in memory twice.
        """
        loaded = Loaded(last_number=self._meta_last_id())
        repairs: list[tuple[int, Records | None, list[tuple[int, str, Any]]]] = []
        for row in self._db.execute(f"SELECT {rows.COLUMNS} FROM batches ORDER BY seq"):
            loaded.last_number = max(loaded.last_number, rows.highest_id(row))
            good, bad = _check_row(row, spec)
            if bad:
                repairs.append((row[0], good, bad))
                loaded.skipped += len(bad)
            if good is not None and len(good):
                apply(good.batch())
                loaded.events += len(good)
        if repairs:
            self._set_aside(repairs)
        self.live, self._last_id = loaded.events, loaded.last_number
        if self.live > self.max_events:
            self._transaction(lambda: self._evict(self.live - self.max_events))
            self.live = self.max_events
        return loaded

    def _set_aside(self, repairs: list[tuple[int, Records | None, list[tuple[int, str, Any]]]]) -> None:
        """Move bad items to the ``skipped`` table, so disk and memory hold the same events."""

        def write() -> None:
            for seq, good, bad in repairs:
                self._db.executemany("INSERT INTO skipped VALUES (?, ?, ?, ?)",
                                     [(seq, item, reason, _preview(content)) for item, reason, content in bad])
                self._db.execute("DELETE FROM batches WHERE seq = ?", (seq,))
                if good is not None and len(good):
                    self._db.execute(rows.INSERT_AT, (seq, *rows.encode_records(good)))

        try:
            self._transaction(write)
        except sqlite3.Error as error:
            raise DataFileError(f"{self.path}: could not set bad rows aside ({error})") from error

    # -- changes ----------------------------------------------------------------------

    def commit(self, batch: EventBatch, apply: Callable[[], None]) -> None:
        """Make ``batch`` durable, then run ``apply``; raise ``DataFileError`` if the disk refused."""
        self._run(Change(batch, batch.tenant, apply))

    def reset(self, tenant: str | None, apply: Callable[[], None]) -> None:
        """Delete a tenant's rows (every row for None) durably, then run ``apply``."""
        self._run(Change(None, tenant, apply))

    def _run(self, change: Change) -> None:
        with self._queue_lock:
            self._queue.append(change)
        with self._commit_lock:
            if not change.settled:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._commit_group(group)
        if change.error is not None:
            if isinstance(change.error, sqlite3.Error):
                raise DataFileError(str(change.error)) from change.error
            raise change.error

    def _commit_group(self, group: list[Change]) -> None:
        live, last_id = self.live, self._last_id

        def write() -> None:
            nonlocal live, last_id
            for change in group:
                if change.batch is None:
                    live -= self._delete(change.tenant)
                    continue
                self._db.execute(rows.INSERT, rows.encode(change.batch))
                live += change.batch.size
                last_id = max(last_id, _last_number(change.batch))
                if live > self.max_events:
                    self._evict(live - self.max_events)
                    live = self.max_events
            if last_id != self._last_id:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('last_id', ?)", (last_id,))

        try:
            self._transaction(write)
        except Exception as error:  # settle every change, or its thread would report success
            log.error("data file %s: nothing stored, the commit failed: %s", self.path, error)
            for change in group:
                change.error, change.settled = error, True
            return
        self.live, self._last_id = live, last_id
        for change in group:
            try:
                change.apply()
            except Exception as error:  # the disk has it; this request still learns of the failure
                change.error = error
            finally:
                change.settled = True

    def _transaction(self, write: Callable[[], None]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            write()
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    log.exception("data file %s: rollback failed", self.path)
            raise

    def _delete(self, tenant: str | None) -> int:
        """Delete rows; return how many live events they held."""
        where, params = ("", ()) if tenant is None else (" WHERE tenant = ?", (tenant,))
        (gone,) = self._db.execute(f"SELECT coalesce(sum(count - dropped), 0) FROM batches{where}", params).fetchone()
        self._db.execute(f"DELETE FROM batches{where}", params)
        return int(gone)

    def _evict(self, count: int) -> None:
        """Drop the ``count`` oldest live events: whole rows, then a prefix of the next one."""
        whole_up_to, partial = None, None
        for seq, live in _oldest(self._db):
            if live > count:
                partial = (count, seq) if count else None
                break
            count -= live
            whole_up_to = seq
            if not count:
                break
        if whole_up_to is not None:
            self._db.execute("DELETE FROM batches WHERE seq <= ?", (whole_up_to,))
        if partial is not None:
            self._db.execute("UPDATE batches SET dropped = dropped + ? WHERE seq = ?", partial)

    def _meta_last_id(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'last_id'").fetchone()
        return row[0] if row and isinstance(row[0], int) else 0

    def close(self) -> None:
        """Close the database and let go of the lock."""
        with self._commit_lock:
            self._db.close()
            lock.release(self._lock_fd)


def _oldest(db: sqlite3.Connection) -> Iterator[tuple[int, int]]:
    """Yield (seq, live events) of rows, oldest first, a page at a time."""
    after = -1
    while True:
        page = db.execute("SELECT seq, count - dropped FROM batches WHERE seq > ? ORDER BY seq LIMIT 64",
                          (after,)).fetchall()
        if not page:
            return
        yield from page
        after = page[-1][0]


def _check_row(row: tuple[Any, ...], spec: Spec) -> tuple[Records | None, list[tuple[int, str, Any]]]:
    """Return the row's sound records and its bad items as (index, reason, content)."""
    seq = row[0]
    try:
        records = rows.decode(row)
    except ValueError as problem:
        log.warning("data file: skipped row %d: %s", seq, problem)
        return None, [(-1, str(problem), row[1:])]
    problems = item_problems(records, spec)
    bad = [(i, p, records.bodies[i]) for i, p in enumerate(problems) if p is not None]
    for index, reason, _ in bad:
        log.warning("data file: skipped row %d item %d: %s", seq, index, reason)
    return (split(records, problems) if bad else records), bad


def _last_number(batch: EventBatch) -> int:
    ids = batch.ids
    if isinstance(ids, range):
        return ids[-1] if len(ids) else 0
    return rows.highest_id((None, None, len(ids), None, None, orjson.dumps(list(ids))))


def _preview(content: Any) -> str:
    try:
        return orjson.dumps(content, default=repr).decode()[:4096]
    except TypeError:
        return repr(content)[:4096]


def open_database(path: Path, spec: Spec) -> sqlite3.Connection:
    """Open (creating, or importing a JSON Lines journal) the database; ``DataFileError`` says why not.

    The CLI calls it once before the server starts, so a file that cannot be opened is one
    clear line at the prompt rather than a worker's traceback.
    """
    try:
        if _is_journal(path):
            jsonl.import_journal(path, spec, _connect)
        return _connect(path)
    except (OSError, sqlite3.Error) as error:
        raise DataFileError(f"cannot open the data file {path}: {error}") from error


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise DataFileError(f"{path}: SQLite refused WAL mode ({mode})")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(rows.SCHEMA)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _is_journal(path: Path) -> bool:
    """Tell whether ``path`` holds something other than SQLite: an old JSON Lines journal."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    return bool(head) and head != SQLITE_HEADER
