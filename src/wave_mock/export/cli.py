"""``wave-mock export``: a data file's events as NDJSON or HAR, offline (no server needed)."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterator

import click
import orjson

from wave_mock.export.formats import SYNTHETIC_COMMENT, ndjson_lines, synthetic_exchange


@click.command("export")
@click.option("--data-file", required=True, type=click.Path(exists=True, dir_okay=False), help="A serve --data-file (safe while its server runs).")
@click.option("--format", "fmt", type=click.Choice(["ndjson", "har"]), default="ndjson", show_default=True, help="ndjson: the event bodies as sent, one a line; har: HAR 1.2 exchanges.")
@click.option("--api-key", help="Only this key's tenant [default: every tenant, which mixes their events].")
@click.option("-o", "--out", type=click.File("wb"), default="-", help="Where to write [default: stdout].")
def export_command(data_file: str, fmt: str, api_key: str | None, out: Any) -> None:
    """Export the events of a data file, as GET /_mock/events?format=ndjson|har does for a running mock.

    \b
    ndjson  every stored event's body, oldest first, ready for
            'wave-mock fixtures replay' and 'wave-mock serve --load'.
    har     a HAR 1.2 document. The data file keeps events, not requests, so the
            exchanges are SYNTHESIZED: one POST /api/v1/analytics/events per event,
            with its body and the 200 {"success": true, "eventId": ...} the mock gave.
            Batches, headers and rejected requests are not in it; for the real
            exchanges ask the running mock: GET /_mock/events?format=har.

    \b
    Example:
      wave-mock export --data-file events.db --api-key wave_dev_key -o events.jsonl
    """
    from wave_mock.auth import tenant_of
    from wave_mock.storage.durable.cli import open_read_only
    from wave_mock.storage.durable.jsonl import stored_records

    tenant = tenant_of(api_key) if api_key else None
    try:
        db = open_read_only(data_file)
        events = [e for e in _events(stored_records(db)) if tenant is None or e[0] == tenant]
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{data_file} is not a wave-mock data file: {exc}") from None
    if fmt == "ndjson":
        for line in ndjson_lines(body for _, _, _, body in events):
            out.write(line)
    else:
        out.write(orjson.dumps(_har(events), option=orjson.OPT_INDENT_2) + b"\n")
    click.echo(f"exported {len(events)} events as {fmt}", err=True)


def _events(records: Iterator[Any]) -> Iterator[tuple[str, str, float, Any]]:
    for run in records:
        for event_id, received, body in zip(run.ids, run.received, run.bodies):
            yield run.tenant, event_id, received, body


def _har(events: list[tuple[str, str, float, Any]]) -> dict[str, Any]:
    from wave_mock.har import har_document

    return har_document((synthetic_exchange(i, r, b) for _, i, r, b in events), comment=SYNTHETIC_COMMENT)
