"""Flask commands: users, articles and demo data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from syndication.services.errors import DomainError

users_cli = AppGroup("users", help="Manage accounts.")
articles_cli = AppGroup("articles", help="Import and list articles.")
demo_cli = AppGroup("demo", help="Demo data for a living app on first run.")
packages_cli = AppGroup("packages", help="Build ready-to-republish packages.")
notices_cli = AppGroup("notices", help="Corrections, updates and takedowns to every holder.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@click.option("--name", default="")
@click.password_option(help="Prompted for when not given.")
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create a staff or admin account."""
    from syndication.services import users

    try:
        user = users.create_user(email, role, password=password, name=name)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email}")


@articles_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--headline", help="Headline for formats that carry none (seed text).")
@click.option(
    "--url",
    "--canonical-url",
    "url",
    default="",
    help="Where the file came from: a page's URL (its relative links and images resolve "
    "against it, and it is the canonical URL unless the page names one), or the original "
    "of seed text.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
def import_command(path: Path, headline: str | None, url: str, as_json: bool) -> None:
    """Import the articles in a file: seed text, RSS/Atom, WXR, ninjs or an article page.

    Ends with the import report: items found, created, revised, unchanged and
    skipped (with why), and what was noticed. Exits non-zero when the file
    cannot be read, holds no items, or none of its items could be imported.
    A large file (IMPORT_INLINE_MAX_BYTES, IMPORT_INLINE_MAX_ITEMS) is handed to the
    background worker instead; `flask articles import-status ID` follows it.
    """
    import json

    from syndication.ingest.enrich import absolute_url
    from syndication.models import ImportRun
    from syndication.services import importing

    if url and not absolute_url(url):
        raise click.BadParameter("must be an http:// or https:// URL.", param_hint="--url")
    try:
        result = importing.import_upload(path.read_bytes(), path.name, headline=headline, url=url)
    except ValueError as exc:
        if as_json:
            click.echo(json.dumps({"file": path.name, "error": str(exc)}, ensure_ascii=False))
            click.get_current_context().exit(1)
        raise click.ClickException(f"{path.name}: {exc}") from exc
    if isinstance(result, ImportRun):
        progress = importing.progress(result)
        if as_json:
            click.echo(json.dumps(progress.as_dict(), ensure_ascii=False, indent=2))
        else:
            click.echo(
                f"{path.name} is large: it is imported in the background (import {result.id}). "
                f"Follow it with `flask articles import-status {result.id}` or at "
                f"{current_app.config['PUBLIC_BASE_URL']}/staff/articles/imports/{result.id}"
            )
        return
    _print_report(result, as_json)


def _print_report(report, as_json: bool) -> None:
    import json

    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in _report_lines(report):
            click.echo(line)
    if not report.items:
        if not as_json:
            click.echo("Nothing imported: every item was skipped.", err=True)
        click.get_current_context().exit(1)


@articles_cli.command("import-status")
@click.argument("run_id", type=int)
@click.option("--wait", is_flag=True, help="Wait until the import ends, then print its report.")
@click.option("--json", "as_json", is_flag=True, help="Print the progress or report as JSON.")
def import_status_command(run_id: int, wait: bool, as_json: bool) -> None:
    """How far a background import got; once it ended, its import report."""
    import json
    import time

    from syndication.extensions import db
    from syndication.models import ImportRun
    from syndication.services import importing
    from syndication.services.errors import NotFound

    try:
        run = importing.get_run(run_id)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    progress = importing.progress(run)
    while wait and not progress.finished:
        time.sleep(2)  # a person at a terminal waits; nothing here holds a lock
        db.session.rollback()  # see what the worker committed since
        progress = importing.progress(db.session.get(ImportRun, run_id))
    if progress.state == "done":
        _print_report(importing.report_of(db.session.get(ImportRun, run_id)), as_json)
        return
    if as_json:
        click.echo(json.dumps(progress.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{progress.filename} (import {run_id}): {progress.message}")
    if progress.state == "failed":
        click.get_current_context().exit(1)


def _report_lines(report) -> list[str]:
    """The import report as the CLI prints it: one line per item, then what was noticed."""
    lines = []
    for item in report.items:
        review = " (awaiting review)" if item.awaiting_review else ""
        lines.append(f"{item.state}{review}: #{item.article_id} {item.headline}")
    lines += [f"skipped: {s.item}: {s.reason}" for s in report.skipped]
    if report.encoding:
        lines.append(f"encoding: {report.encoding} ({report.encoding_reason})")
    lines += [f"note: {note}" for note in report.notes]
    if report.findings:
        lines.append("findings: " + ", ".join(f"{kind} {n}" for kind, n in report.findings.items()))
    lines.append(f"{report.filename} ({report.importer}): {report.summary()}")
    return lines


@notices_cli.command("create")
@click.argument("article_id", type=int)
@click.option("--kind", type=click.Choice(["correction", "update", "takedown"]), required=True)
@click.option("--note", default="", help="The public note (takedowns: the public reason).")
@click.option("--reason", default="", help="Takedowns: the reason kept for the record.")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Corrections and updates: the new body HTML (a new revision).",
)
@click.option("--dry-run", is_flag=True, help="List the holders it would reach; send nothing.")
def notice_create_command(
    article_id: int, kind: str, note: str, reason: str, body_file: Path | None, dry_run: bool
) -> None:
    """Send a notice about an article to every partner holding it."""
    from syndication.services import articles, notices

    try:
        reached = notices.holders(article_id)
        if dry_run:
            for holder in reached:
                click.echo(f"{holder.partner.name}: {', '.join(holder.channels)}")
            click.echo(f"{len(reached)} holder{'s' if len(reached) != 1 else ''}")
            return
        edits = {}
        if body_file is not None:
            article = articles.get(article_id)
            edits = {
                "headline": article.headline,
                "dek": article.dek,
                "body_html": body_file.read_text(encoding="utf-8"),
            }
        notice = notices.create(
            article_id, kind, actor=None, note=note, record_reason=reason, **edits
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    count = len(notice.deliveries)
    click.echo(f"Notice {notice.id} ({kind}) sent to {count} holder{'s' if count != 1 else ''}")


@demo_cli.command("load")
def demo_load_command() -> None:
    """Load demo users, partners, articles and readership (safe to run again)."""
    from syndication.demo.loader import load_demo
    from syndication.demo.traffic import load_traffic

    summary = load_demo() + load_traffic()
    for line in summary:
        click.echo(line)


@packages_cli.command("build")
@click.argument("article_id", type=int)
@click.option("--partner", "partner_id", type=int, required=True, help="Partner id.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the zip into.",
)
def build_package_command(article_id: int, partner_id: int, out: Path) -> None:
    """Write the package a partner's grant for an article entitles it to."""
    from syndication.services import grants, packages

    grant = grants.active_grant(partner_id, article_id)
    if grant is None:
        raise click.ClickException(
            f"Partner {partner_id} holds no active grant for article {article_id}."
        )
    try:
        built = packages.build(packages.usable(grant.id, partner_id))
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    out.mkdir(parents=True, exist_ok=True)
    target = out / built.filename
    target.write_bytes(built.data)
    click.echo(f"{target} ({len(built.data):,} bytes, sha256 key {built.key[:16]}…)")


@click.command("worker")
@click.option(
    "--threads", type=int, default=None, help="Worker threads [default: WORKER_THREADS, 4]."
)
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Leave the heartbeat and the sweep to another worker (they are safe to run twice).",
)
@click.option("--drain", is_flag=True, help="Run every task queued now, then exit.")
@with_appcontext
def worker_command(threads: int | None, no_periodic: bool, drain: bool) -> None:
    """Run the background worker: Huey's consumer on TASK_QUEUE_URL. Ctrl-C stops it."""
    import logging

    from flask import current_app

    from syndication import heap, tasks
    from syndication.services import jobs

    app = current_app._get_current_object()
    if drain:
        click.echo(f"ran {tasks.run_now(app)} task(s)")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Beat at once: the Background work page sees a new worker without waiting a minute.
    jobs.beat(jobs.worker_name())
    consumer = tasks.queue_of(app).create_consumer(
        workers=threads or app.config["WORKER_THREADS"],
        periodic=not no_periodic,
        worker_type="thread",
        **tasks.POLLING,
    )
    # What the worker keeps for good is made now: leave it out of the collector's passes.
    heap.freeze()
    consumer.run()


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(articles_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(packages_cli)
    app.cli.add_command(notices_cli)
