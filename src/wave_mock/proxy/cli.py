"""``wave-mock proxy``: put the contract checker between a client and a real deployment."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import click

DEFAULT_PORT = 8788
DEFAULT_THREADS = 16  # requests wait on the upstream: threads let a slow answer stall no one else


@click.command()
@click.option("--upstream", required=True, envvar="WAVE_UPSTREAM", help="The deployment to check, e.g. https://staging.example/api/v1 (a bare origin works too).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option("--record", type=click.Path(dir_okay=False, writable=True), help="Record every exchange, keys redacted: FILE.har (HAR 1.2) or FILE.jsonl (JSON Lines).")
@click.option("--mode", type=click.Choice(["validate", "enforce"]), default="validate", show_default=True, help="validate: forward everything and report; enforce: refuse an invalid request with the mock's field errors before it reaches the upstream.")
@click.option("--strict", is_flag=True, help="Check every rule of the spec, wave-mock's decisions included (default: the documented view).")
@click.option("--settle", type=click.FloatRange(0, 3600), default=5.0, show_default=True, help="Seconds the upstream may take to show accepted events in its numbers; drift is judged after that.")
@click.option("--tolerance", type=click.FloatRange(0, 1), default=0.01, show_default=True, help="Relative difference allowed between non-integer metrics (integers must be equal).")
@click.option("--timeout", "upstream_timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True, help="Seconds to wait for the upstream before answering 504.")
@click.option("--threads", type=click.IntRange(1, 256), default=DEFAULT_THREADS, show_default=True, help="Python threads handling requests.")
@click.option("--spec", type=click.Path(exists=True, dir_okay=False), help="OpenAPI file to check against (default: the bundled spec).")
@click.option("--no-cors", is_flag=True, help="Do not send CORS headers (they are on by default).")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN", help="Allow this browser origin (repeatable); '*' allows any. [default: loopback origins]")
@click.option("--body-timeout", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True, help="Seconds a client has to send its headers, then its body, before a 408.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log one line per exchange with its violation count (keys never appear).")
def proxy_command(**options: Any) -> None:
    """Forward to a WAVE deployment; check every exchange against the spec and its numbers against wave-mock's."""
    from wave_mock.server import serve
    from wave_mock.server.listen import BindError, bind, bound_port

    upstream = options["upstream"]
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"{upstream!r} is not an http(s) URL, e.g. https://staging.example/api/v1", param_hint="--upstream")
    config = proxy_config(options)
    try:
        sock = bind(options["host"], options["port"])
    except BindError as exc:
        raise click.ClickException(str(exc)) from None
    _banner(options, bound_port(sock))
    serve(config, sock, options["threads"], options["body_timeout"], factory="wave_mock.proxy.app:create_proxy_app")


def proxy_config(options: dict[str, Any]) -> dict[str, Any]:
    """Map the command's options onto the proxy's config."""
    from wave_mock.cli import _is_loopback

    return {
        "UPSTREAM": options["upstream"],
        "MODE": options["mode"],
        "STRICT": options["strict"],
        "SETTLE": options["settle"],
        "TOLERANCE": options["tolerance"],
        "TIMEOUT": options["upstream_timeout"],
        "RECORD": options["record"],
        "SPEC_PATH": options["spec"],
        "CORS": not options["no_cors"],
        "CORS_ORIGINS": list(options["cors_origins"]),
        "CHECK_HOST": _is_loopback(options["host"]),
        "ACCESS_LOG": options["access_log"],
    }


def _banner(options: dict[str, Any], port: int) -> None:
    host = options["host"]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    click.echo(f"wave-mock proxy at {base}/api/v1 -> {options['upstream']}")
    click.echo(f"  Checking:    {'every rule (--strict)' if options['strict'] else 'the documented view'}; mode {options['mode']}")
    click.echo(f"  Violations:  {base}/_mock/violations   header X-Wave-Contract on every answer")
    click.echo(f"  Drift:       {base}/_mock/drift?streamId=ID&period=24h   (settle {options['settle']:g} s)")
    click.echo(f"  UI:          {base}/_mock/ui")
    if options["record"]:
        click.echo(f"  Recording:   {options['record']} (keys redacted)")
