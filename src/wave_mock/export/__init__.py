"""Exports of a tenant's traffic: the events as sent (NDJSON) and the exchanges (HAR 1.2).

    GET /_mock/events?format=ndjson|har     http/exports.py   (a running mock)
    wave-mock export --data-file F          export/cli.py     (offline, from a data file)

Both write events with ``ndjson_lines`` and exchanges with the shared ``wave_mock.har``.
"""
