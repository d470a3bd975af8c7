"""``wave-mock load``: the click command. Light to import: Locust (and gevent's patching) load only when it runs."""

from __future__ import annotations

import importlib.util
import shlex
import tempfile
from pathlib import Path
from typing import Any

import click

from wave_mock.fixtures.actors import ARRIVAL_PROFILES
from wave_mock.fixtures.generate import parse_duration

INSTALL_HINT = "wave-mock load needs the [load] extra: pip install 'PATH/TO/wave-mock[load]' from a checkout, or 'wave-mock[load] @ git+REPO_URL'"


@click.command("load")
@click.argument("fixture", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-url", envvar="WAVE_BASE_URL", help="API base URL, e.g. https://staging.example.com/api/v1.")
@click.option("--api-key", envvar="WAVE_API_KEY", help="Bearer API key (sent to the workers by the master).")
@click.option("--generate", "generate_options", metavar="'OPTIONS'",
              help="Generate the fixture with these `fixtures generate` options, quoted: '--seed 7 --streams 20 --viewers 2000'.")
@click.option("--profile", type=click.Choice(ARRIVAL_PROFILES),
              help="With --generate: the arrival shape; 'launch' is a surge of joins as each stream starts.")
@click.option("--rate", type=click.FloatRange(0, min_open=True), help="Events/s across all workers [default: as fast as the target takes them].")
@click.option("--duration", help="Without --rate: spread the fixture over this time (90s, 5m). With --rate: stop after it.")
@click.option("--batch-size", type=click.IntRange(1, 100), default=100, show_default=True, help="Events per batch request.")
@click.option("--workers", type=click.IntRange(1, 1024), default=2, show_default=True,
              help="Locust worker processes: started here, or with --master the number to wait for.")
@click.option("--users-per-worker", type=click.IntRange(1, 1000), default=4, show_default=True,
              help="Concurrent senders per worker, each with its own lanes (streams) in order.")
@click.option("--master", is_flag=True, help="Distributed: wait for --workers remote workers instead of starting them.")
@click.option("--master-bind-host", default="*", show_default=True, help="With --master: interface workers connect to.")
@click.option("--worker", is_flag=True, help="Distributed: be a worker of the master at --master-host.")
@click.option("--master-host", help="With --worker: the master's host name or address.")
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True, help="The master's port.")
@click.option("--frozen", is_flag=True, help="wave-mock targets: freeze the key's clock at the fixture's \"now\" instead of shifting timestamps.")
@click.option("--settle", type=click.FloatRange(0), default=30.0, show_default=True, help="Seconds to wait for the numbers to become correct.")
@click.option("--web", is_flag=True, help="Serve Locust's web UI (statistics and charts) while the run lasts.")
@click.option("--web-port", type=click.IntRange(1, 65535), default=8089, show_default=True, help="Port of --web.")
@click.option("--report-json", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as JSON here.")
@click.option("--report-csv", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as CSV here.")
@click.option("--unsent-out", type=click.Path(dir_okay=False, path_type=Path), default=Path("load-unsent.jsonl"),
              show_default=True, help="Where events that were not sent are written (only if there are any).")
@click.option("--max-retries", type=click.IntRange(0, 100), default=5, show_default=True, help="Retries per batch on 429, 5xx and connection errors.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Per-request timeout in seconds.")
@click.option("--connect-timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for the workers to connect.")
def load_command(**options: Any) -> None:
    """Send a fixture at scale through Locust workers, then check the target's numbers."""
    if importlib.util.find_spec("locust") is None:
        raise click.ClickException(INSTALL_HINT)
    if options["worker"]:
        _worker(options)
        return
    fixture, workdir = _fixture(options)
    try:
        report = _master(options, fixture)
    finally:
        if workdir:
            workdir.cleanup()
    if not report["ok"]:
        raise SystemExit(1)


def _worker(options: dict[str, Any]) -> None:
    if not options["master_host"]:
        raise click.UsageError("--worker needs --master-host")
    import locust  # noqa: F401  (first: gevent patches the standard library before anything else uses it)
    from locust.log import setup_logging

    from wave_mock.load.worker import run_worker

    setup_logging("WARNING")

    run_worker(options["master_host"], options["master_port"])


def _fixture(options: dict[str, Any]) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """Return the fixture to send, generating it first for --generate (before gevent's patching)."""
    for name in ("base_url", "api_key"):
        if not options[name]:
            raise click.UsageError(f"--{name.replace('_', '-')} is required (or WAVE_{name.upper()})")
    if bool(options["fixture"]) == (options["generate_options"] is not None):
        raise click.UsageError("give FIXTURE.jsonl or --generate 'OPTIONS', not both and not neither")
    if options["profile"] and not options["generate_options"]:
        raise click.UsageError("--profile goes with --generate (a FIXTURE already has its shape)")
    if options["fixture"]:
        return options["fixture"], None
    from wave_mock.fixtures.cli import generate_cmd

    args = shlex.split(options["generate_options"])
    if options["profile"]:
        args += ["--profile", options["profile"]]
    workdir = tempfile.TemporaryDirectory(prefix="wave-mock-load-")
    out = Path(workdir.name) / "generated.jsonl"
    if "--out" in args:
        out = Path(args[args.index("--out") + 1])
    else:
        args += ["--out", str(out)]
    try:
        generate_cmd.main(args=args, prog_name="wave-mock load --generate", standalone_mode=False)
    except click.ClickException:
        workdir.cleanup()
        raise
    return out, workdir


def _master(options: dict[str, Any], fixture: Path) -> dict[str, Any]:
    import locust  # noqa: F401  (gevent's patching, before requests opens any socket)
    from locust.log import setup_logging

    from wave_mock.load.master import LoadFailed, SendSettings
    from wave_mock.load.report import render_text, write_csv, write_json
    from wave_mock.load.run import RunOptions, run

    setup_logging("WARNING")  # warnings, plus Locust's statistics table every few seconds (stderr)
    rate, limit = _pace(options)
    local = not options["master"]
    send = SendSettings(
        base_url=options["base_url"], api_key=options["api_key"], batch_size=options["batch_size"], rate=rate,
        time_limit=limit if limit is None or limit > 0 else None,
        spread_over=-limit if limit is not None and limit < 0 else None, workers=options["workers"], users_per_worker=options["users_per_worker"],
        max_retries=options["max_retries"], timeout=options["timeout"], local=local,
        bind_host="127.0.0.1" if local else options["master_bind_host"],
        bind_port=_free_port() if local else options["master_port"],
        connect_timeout=options["connect_timeout"],
        web=("127.0.0.1" if local else "0.0.0.0", options["web_port"]) if options["web"] else None,
    )
    run_options = RunOptions(fixture, options["frozen"], options["settle"], options["unsent_out"])
    try:
        report = run(run_options, send)
    except (LoadFailed, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render_text(report))
    if options["report_json"]:
        write_json(report, options["report_json"])
    if options["report_csv"]:
        write_csv(report, options["report_csv"])
    return report


def _pace(options: dict[str, Any]) -> tuple[float | None, float | None]:
    """Return (events/s, time limit in s) from --rate and --duration."""
    if not options["duration"]:
        return options["rate"], None
    try:
        seconds = parse_duration(options["duration"]) / 1000
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--duration") from None
    if options["rate"]:
        return options["rate"], seconds
    return None, -seconds  # negative: spread the fixture over it (SendSettings.spread_over)


def _free_port() -> int:
    from wave_mock.testing import free_port

    return free_port()
