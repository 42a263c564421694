"""The ``govflow`` command line for operators.

``govflow db upgrade`` (Flask-Migrate), ``govflow deploy FILE``, ``govflow seed-demo``,
``govflow serve``, ``govflow users create-admin NAME``, ``govflow import departments|users
FILE.csv``, ``govflow retention run``, ``govflow uploads sweep``, ``govflow stats rebuild``.
Every command works on the database named by GOVFLOW_DATABASE_URL (default: SQLite under
GOVFLOW_DATA_DIR).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from engine.errors import GovflowError
from engine.principal import SYSTEM, Principal


def _create_app():  # noqa: ANN202
    from . import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """govflow — BPMN workflow engine for cross-department government services."""


def _engine():  # noqa: ANN202
    return current_app.extensions["govflow"]


def _fail(exc: GovflowError) -> None:
    click.echo(f"error: {exc.code}: {exc.message}", err=True)
    for element in exc.details.get("elements", []):
        click.echo(f"  {element['id']}: {element['message']}", err=True)
    for field, messages in exc.details.get("fields", {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(1)


@main.command("deploy")
@click.argument("bpmn", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dmn",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A DMN file deployed with the process (repeatable).",
)
@click.option(
    "--form",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A form definition JSON file (repeatable).",
)
def deploy_command(bpmn: Path, dmn: tuple[Path, ...], form: tuple[Path, ...]) -> None:
    """Validate and deploy a BPMN file as a new version of its process."""
    from engine.services.definitions import deploy_files

    operator = Principal("cli", ("designer",), display_name="command line")
    try:
        outcome = deploy_files(_engine(), operator, bpmn, list(dmn), list(form))
    except GovflowError as exc:
        _fail(exc)
    definition = outcome.definition
    verb = "deployed" if outcome.created else "unchanged, already"
    click.echo(f"{definition.key}: {verb} version {definition.version} ({definition.sha256[:12]})")


#: Exit status of ``seed-demo`` on a database with users the demo did not make
#: (scripts/serve tells it from other failures: it then serves without seeding).
NOT_A_DEMO_DATABASE = 3


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo departments, users and shared data, and deploy both flagship matters.

    Refuses (exit status 3) a database that has users the demo did not create."""
    from engine.services.demo import seed_demo

    try:
        report = seed_demo(_engine(), SYSTEM)
    except GovflowError as exc:
        if exc.code == "not_a_demo_database":
            click.echo(f"refused: {exc.message}", err=True)
            sys.exit(NOT_A_DEMO_DATABASE)
        _fail(exc)
    click.echo(report)


@main.group("users")
def users_group() -> None:
    """User accounts: the first administrator (the rest are made by administrators)."""


@users_group.command("create-admin")
@click.argument("username")
@click.option("--display-name", default="", help="The name shown in pages (default: USERNAME).")
def create_admin_command(username: str, display_name: str) -> None:
    """Create an administrator. The password comes from $GOVFLOW_ADMIN_PASSWORD or a prompt;
    it needs 12 characters or more of at least two kinds (lower-case, upper-case, digits,
    other), must not contain the username and must not be the demo password."""
    from engine.services.users import create_admin

    password = os.environ.get("GOVFLOW_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    operator = Principal("cli", ("admin",), display_name="command line")
    try:
        create_admin(_engine(), operator, username, password, display_name)
    except GovflowError as exc:
        _fail(exc)
    click.echo(f"administrator {username} created; sign in at /login or POST /api/v1/auth/token")


@main.group("import")
def import_group() -> None:
    """First set-up from CSV files (UTF-8, header row); all rows or none are imported."""


def _import(kind: str, file: Path) -> list:
    from engine.services.directory_import import import_departments, import_users

    operator = Principal("cli", ("admin",), display_name="command line")
    importer = {"departments": import_departments, "users": import_users}[kind]
    try:
        return importer(_engine(), operator, file.read_bytes(), "en")
    except GovflowError as exc:
        rows = exc.details.get("rows")
        if rows is None:
            _fail(exc)
        click.echo(f"error: {exc.message}", err=True)
        for row in rows:
            for field, messages in row["fields"].items():
                where = "" if field == "_row" else f" {field}:"
                click.echo(f"  line {row['line']}:{where} {'; '.join(messages)}", err=True)
        sys.exit(1)


@import_group.command("departments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_departments_command(file: Path) -> None:
    """Departments: code,name_zh,name_en[,kind,parent,division,active]; parents first."""
    rows = _import("departments", file)
    click.echo(f"imported {len(rows)} departments")


@import_group.command("users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users_command(file: Path) -> None:
    """Users: username,display_name,roles[,department,password,id_number,phone]; roles
    separated by ';'. Each user sets their own password at the first sign-in; a blank
    password gets a generated one, printed here once."""
    rows = _import("users", file)
    click.echo(f"imported {len(rows)} users (each changes the password at the first sign-in)")
    generated = [r for r in rows if r.generated_password]
    if generated:
        click.echo("generated one-time passwords (hand each to its user; shown only now):")
        for row in generated:
            click.echo(f"  {row.payload['username']}\t{row.generated_password}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", "5000")), show_default="5000 or $PORT"
)
def serve_command(host: str, port: int) -> None:
    """Serve the web app (single process; use gunicorn for production, see README)."""
    from werkzeug.serving import run_simple

    click.echo(f"govflow serving on http://{host}:{port}")
    from .headers import QuietRequestHandler

    run_simple(
        host,
        port,
        current_app._get_current_object(),
        threaded=True,
        use_reloader=False,
        request_handler=QuietRequestHandler,
    )


@main.command("scheduler")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between sweeps.")
def scheduler_command(interval: float) -> None:
    """Run the scheduler: fires BPMN timers and deadline warnings (one per database)."""
    import logging

    from engine import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # One line a second from APScheduler says nothing; govflow logs what fired.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    click.echo("govflow scheduler starting (a second one waits as a stand-by)")
    scheduler.run(_engine(), interval=interval)


@main.group("retention")
def retention_group() -> None:
    """What closed cases keep (the scheduler also runs this nightly)."""


@retention_group.command("run")
def retention_run_command() -> None:
    """Drop the serialized workflow of cases closed longer than
    GOVFLOW_WORKFLOW_RETENTION_DAYS; their record, data, materials, notices, audit trail
    and access log stay."""
    from engine.services import retention

    report = retention.run(_engine())
    click.echo(report.summary)


@main.group("uploads")
def uploads_group() -> None:
    """The files of uploaded materials (the scheduler also sweeps them nightly)."""


@uploads_group.command("sweep")
@click.option(
    "--min-age-hours",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="Leave files written more recently than this.",
)
def uploads_sweep_command(min_age_hours: int) -> None:
    """Remove the files under uploads/ that no upload names (left by a process killed
    before its command committed), written more than --min-age-hours ago."""
    from datetime import timedelta

    from engine.services import upload_sweep

    report = upload_sweep.sweep(_engine(), min_age=timedelta(hours=min_age_hours))
    click.echo(report.summary)


@main.group("jobs")
def jobs_group() -> None:
    """The queue of outbound calls (exchange-platform pulls)."""


@jobs_group.command("run-once")
def jobs_run_once_command() -> None:
    """Make the calls of every job due now and apply their answers (the scheduler does
    this every second; for tests and operators)."""
    from engine.services import jobs

    report = jobs.run_due(_engine())
    click.echo(f"jobs done: {report.done}, to retry: {report.retried}, failed: {report.failed}")


@main.command("health")
def health_command() -> None:
    """Print GET /api/health's answer; exit 1 unless the database answers and a scheduler
    ticked within a minute (a container health check for the scheduler, see README)."""
    import json

    from engine.services import health

    report = health.check(_engine())
    click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    sys.exit(0 if report.ok else 1)


@main.group("stats")
def stats_group() -> None:
    """The statistics' aggregates (docs/STATISTICS.md)."""


@stats_group.command("rebuild")
def stats_rebuild_command() -> None:
    """Recompute every case's figures and the daily rollup from the cases (after a
    restore, or once after upgrading to revision 0018).  Stop the scheduler first."""
    from engine.services.statistics import rebuild

    click.echo(f"statistics rebuilt from {rebuild(_engine())} cases")


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: load or correct a year's official schedule."""


@calendar_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_load_command(file: Path) -> None:
    """Load a year from a JSON file {"year", "official", "holidays": [...], "workdays": [...]}."""
    import json

    from engine.services.calendar import put_year

    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file}: not a JSON file: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("year"), int):
        raise click.ClickException(f'{file}: needs a whole-number "year"')
    operator = Principal("cli", ("admin",), display_name="command line")
    try:
        view = put_year(_engine(), operator, payload["year"], payload)
    except GovflowError as exc:
        _fail(exc)
    click.echo(
        f"{view['year']}: {len(view['holidays'])} holidays, "
        f"{len(view['workdays'])} adjusted workdays, official={view['official']}"
    )


if __name__ == "__main__":  # python -m web.cli ... (what tests and bench start)
    main()
