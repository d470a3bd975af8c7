"""The ``wave-mock`` command: serve, proxy, fixtures, contract."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click

from wave_mock.auth import DEFAULT_DEV_KEY
from wave_mock.contract import contract_command
from wave_mock.storage.durable.cli import data_group
from wave_mock.fixtures.cli import fixtures_group
from wave_mock.export.cli import export_command
from wave_mock.load.cli import load_command
from wave_mock.proxy.cli import proxy_command

# The app, the spec and numpy are imported by ``serve`` alone: they cost ~0.6 s, which
# ``fixtures generate`` would pay on every run (bench B5 includes process start).
DEFAULT_PORT = 8787


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wave-mock")
def main() -> None:
    """wave-mock: a stateful fake of the WAVE Analytics API, a contract-test kit and a fixture generator."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="WAVE_MOCK_HOST", help="Interface to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, envvar="WAVE_MOCK_PORT", help="Port to listen on.")
@click.option("--api-key", "api_keys", multiple=True, envvar="WAVE_MOCK_API_KEYS", help=f"Accepted bearer key; repeatable; each key is a tenant. Replaces the default dev key {DEFAULT_DEV_KEY!r}.")
@click.option("--admin-token", envvar="WAVE_MOCK_ADMIN_TOKEN", help="Token that unlocks cross-tenant /_mock/stats, /_mock/reset and /_mock/clock (every tenant's clock at once).")
@click.option("--load", "load_files", multiple=True, metavar="FILE|NAME", help="Seed events from a JSON Lines fixture (repeatable): a file, or a packaged one by name (demo). Its timestamps are shifted so its \"now\" is the real now, and the clock runs.")
@click.option("--load-frozen", is_flag=True, help="With --load: freeze the tenant's clock at the fixture's \"now\" instead of shifting it, so the metrics equal its .expected.json exactly.")
@click.option("--load-key", metavar="KEY", help="With --load: the API key whose tenant gets the fixture. [default: the first --api-key]")
@click.option("--no-cors", is_flag=True, help="Do not send CORS headers (they are on by default).")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN", help="Allow this browser origin (repeatable), e.g. https://app.test; '*' allows any. [default: loopback origins such as http://localhost:5173]")
@click.option("--latency", "latency_ms", type=click.FloatRange(0, 60_000), default=0, help="Add this many milliseconds to every WAVE request.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0, help="Fail this fraction of WAVE requests with a 500 or 503.")
@click.option("--fault-seed", type=int, default=0, show_default=True, help="Seed of the --error-rate dice, so failures reproduce.")
@click.option("--max-events", type=click.IntRange(1), default=1_000_000, show_default=True, envvar="WAVE_MOCK_MAX_EVENTS", help="Keep at most this many events; the oldest are evicted first.")
@click.option("--data-file", type=click.Path(dir_okay=False), envvar="WAVE_MOCK_DATA_FILE", help="Keep every accepted event in this SQLite file (fsynced before the 2xx) and reload it on start; one server per file. A JSON Lines journal here is imported.")
@click.option("--threads", type=click.IntRange(1, 256), help="Python threads handling requests [default: 1; 16 with --latency or --data-file].")
@click.option("--ingest-lag", type=click.FloatRange(0, 3600), default=0, help="Make accepted events visible to analytics reads only this many real seconds later, as an asynchronous deployment does (/_mock/events lists them at once, marked pending).")
@click.option("--rate-limit", type=click.FloatRange(0, min_open=True), help="Allow this many WAVE requests per second per key (a burst of as many); beyond it, 429 with Retry-After.")
@click.option("--body-timeout", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True, help="Seconds a client has to send a request's headers, and then its body, before a 408.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log one line per request (keys never appear).")
@click.option("--exchanges", type=click.IntRange(0), default=1000, show_default=True, help="Keep this many recent WAVE API exchanges per key for GET /_mock/events?format=har (0: record none).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this PEM certificate (chain); needs --tls-key.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="The PEM private key of --tls-cert.")
def serve(**options: Any) -> None:
    """Serve the WAVE Analytics API from memory."""
    from wave_mock.server import serve as run_server
    from wave_mock.server.listen import BindError, bind, bound_port

    config = serve_config(options)
    tls = _check_tls(options["tls_cert"], options["tls_key"])
    _check_keys(config)
    loaded = _check_load(config)
    config["DATA_LOCK_FD"] = _open_data_file(config["DATA_FILE"])
    try:
        sock = bind(options["host"], options["port"])
    except BindError as exc:
        raise click.ClickException(str(exc)) from None
    _print_banner(options["host"], bound_port(sock), config, loaded, scheme="https" if tls else "http")
    _print_settings(config)
    run_server(config, sock, options["threads"] or default_threads(config), options["body_timeout"], tls=tls)


def serve_config(options: dict[str, Any]) -> dict[str, Any]:
    """Map the ``serve`` options onto the app config (one key per line, so options merge cleanly)."""
    return {
        "API_KEYS": list(options["api_keys"]) or [DEFAULT_DEV_KEY],
        "ADMIN_TOKEN": options["admin_token"],
        "CORS": not options["no_cors"],
        "CORS_ORIGINS": list(options["cors_origins"]),
        "CHECK_HOST": _is_loopback(options["host"]),
        "LATENCY_MS": options["latency_ms"],
        "ERROR_RATE": options["error_rate"],
        "FAULT_SEED": options["fault_seed"],
        "MAX_EVENTS": options["max_events"],
        "LOAD": list(options["load_files"]),
        "LOAD_FROZEN": options["load_frozen"],
        "LOAD_KEY": options["load_key"],
        "ACCESS_LOG": options["access_log"],
        "DATA_FILE": options["data_file"],
        "INGEST_LAG": options["ingest_lag"],
        "RATE_LIMIT": options["rate_limit"],
        "EXCHANGES": options["exchanges"],
    }


def default_threads(config: dict[str, Any]) -> int:
    """Return how many Python threads serve requests unless --threads says otherwise.

    Requests are CPU-bound under the GIL, and every extra thread costs GIL hand-offs: in
    one bench run, 1 thread served 8,423 single events/s against 4,932 with 16, and 143k
    batched events/s against 80k (B1/B2, sides "mock" and "mock-16-threads"). Threads
    pay off only while requests wait: injected latency sleeps, and --data-file's fsync
    is shared by concurrent requests.
    """
    return 16 if config["LATENCY_MS"] > 0 or config["DATA_FILE"] else 1


def _check_keys(config: dict[str, Any]) -> None:
    """Refuse a key or token that no request could ever present (one line, before binding)."""
    from wave_mock.auth import unusable_key_reason

    named = [("--api-key", key) for key in config["API_KEYS"]]
    if config["ADMIN_TOKEN"] is not None:
        named.append(("--admin-token", config["ADMIN_TOKEN"]))
    for option, key in named:
        reason = unusable_key_reason(key)
        if reason:
            raise click.ClickException(f"{option} {key!r} can never authenticate: {reason}.")


def _check_tls(cert: str | None, key: str | None) -> tuple[str, str] | None:
    """Return (cert, key) after loading them once, so a bad pair fails here in one line."""
    if not cert and not key:
        return None
    if not (cert and key):
        raise click.UsageError("--tls-cert and --tls-key go together.")
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise click.ClickException(f"--tls-cert {cert} / --tls-key {key} cannot serve HTTPS: {exc}") from None
    return cert, key


def _check_load(config: dict[str, Any]) -> int:
    """Validate --load up front (without storing anything), so a bad line fails here in one line."""
    from wave_mock.resources import spec_path
    from wave_mock.seed import SeedError, check_file, resolve_fixture
    from wave_mock.spec import Spec

    if not config["LOAD"]:
        if config["LOAD_FROZEN"] or config["LOAD_KEY"] is not None:
            raise click.UsageError("--load-frozen and --load-key only apply with --load FILE.")
        return 0
    if config["LOAD_KEY"] is not None and config["LOAD_KEY"] not in config["API_KEYS"]:
        raise click.UsageError("--load-key must be one of the --api-key values.")
    spec = Spec.load(spec_path())
    try:
        return sum(check_file(spec, resolve_fixture(name)) for name in config["LOAD"])
    except SeedError as exc:
        raise click.ClickException(f"--load {exc} (fix it, or regenerate it with 'wave-mock fixtures generate')") from None


def _open_data_file(data_file: str | None) -> int | None:
    """Lock the data file and check it opens, before the server forks its worker (which inherits the lock)."""
    if not data_file:
        return None
    from wave_mock.storage.durable.database import DataFileError, open_database
    from wave_mock.storage.durable.lock import DataFileInUse, acquire, release
    from wave_mock.resources import spec_path
    from wave_mock.spec import Spec

    try:
        fd = acquire(data_file)
    except DataFileInUse as exc:
        raise click.ClickException(str(exc)) from None
    try:
        open_database(Path(data_file), Spec.load(spec_path())).close()
    except DataFileError as exc:
        release(fd)
        raise click.ClickException(str(exc)) from None
    return fd


def _print_banner(host: str, port: int, config: dict[str, Any], loaded: int, scheme: str = "http") -> None:
    keys = config["API_KEYS"]
    shown_host = f"[{host}]" if ":" in host else host
    base = f"{scheme}://{shown_host}:{port}"
    ui_key = config["LOAD_KEY"] or keys[0]
    click.echo(f"wave-mock serving the WAVE Analytics API at {base}/api/v1")
    click.echo(f"  API key(s):  {', '.join(keys)}")
    click.echo(f"  Spec:        {base}/api/v1/openapi.yaml")
    click.echo(f"  Inspection:  {base}/_mock/events  {base}/_mock/rejected  {base}/_mock/stats")
    click.echo(f"  UI:          {base}/_mock/ui?{urlencode({'apiKey': ui_key})}")
    if config["ADMIN_TOKEN"]:
        click.echo("  Admin token: set (cross-tenant /_mock/stats and /_mock/reset)")
    if config["LOAD"]:
        click.echo(f"  Seeding:     {loaded} events for key {ui_key}; {_load_mode(config['LOAD_FROZEN'])}")
    if DEFAULT_DEV_KEY in keys and not _is_loopback(host):
        click.secho(
            f"WARNING: binding {host} with the public default key {DEFAULT_DEV_KEY!r}; anyone who can reach "
            "this port can read and write data. Pass --api-key.",
            fg="yellow",
            err=True,
        )


def _load_mode(frozen: bool) -> str:
    if frozen:
        return "clock frozen at the fixture's \"now\" (--load-frozen: its exact numbers; DELETE /_mock/clock for real time)"
    return "shifted so the fixture's \"now\" is now; the clock runs (--load-frozen for the fixture's exact numbers)"


def _print_settings(config: dict[str, Any]) -> None:
    """Show every setting that makes the mock behave unlike a plain, instant, in-memory server."""
    if config["LATENCY_MS"]:
        click.echo(f"  Latency:     +{config['LATENCY_MS']:g} ms on every /api/v1 request")
    if config["ERROR_RATE"]:
        click.echo(f"  Error rate:  {config['ERROR_RATE']:g} of /api/v1 requests fail with 500 or 503 (--fault-seed {config['FAULT_SEED']})")
    if config["INGEST_LAG"]:
        click.echo(f"  Ingest lag:  {config['INGEST_LAG']:g} s before accepted events reach analytics reads")
    if config["RATE_LIMIT"]:
        click.echo(f"  Rate limit:  {config['RATE_LIMIT']:g} requests/s per key on /api/v1 (429 + Retry-After)")
    if config["DATA_FILE"]:
        click.echo(f"  Data file:   {config['DATA_FILE']} (every accepted event kept, reloaded on start)")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


main.add_command(contract_command, "contract")
main.add_command(fixtures_group, "fixtures")
main.add_command(data_group, "data")
main.add_command(load_command, "load")
main.add_command(proxy_command, "proxy")
main.add_command(export_command, "export")
