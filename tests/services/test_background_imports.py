"""Large files are imported by a background job, batch by batch, never half-committed (issue 21).

The probe uploaded a 30 MB feed of 3,000 items through the form: the worker timed out
after committing 873 of them. Here the same file is queued by the request, imported by
the worker with a progress page, and a worker killed mid-file is resumed by another.
"""

from __future__ import annotations

import io
import re
import signal
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from syndication.cli import articles_cli
from syndication.extensions import db
from syndication.models import Article, AuditEvent, ImportFile, ImportRun, ImportRunItem, Job, Role
from syndication.models.base import utcnow
from syndication.policy.jobs import JobState
from syndication.services import importing, jobs
from syndication.tasks import queue_of
from tests.services.test_jobs import _wait_for_line, _worker_process

PARAGRAPH = (
    "<p>Paragraph {k} of story {n}: the council met on Tuesday and voted on the budget, "
    "with the mayor saying the city would spend more on roads &amp; schools next year.</p>"
)


def generated_feed(items: int, paragraphs: int = 3, *, site: str = "news.example.org") -> bytes:
    """A real RSS 2.0 feed of ``items`` distinct stories, ``paragraphs`` paragraphs each."""
    body = []
    for n in range(items):
        text = "".join(PARAGRAPH.format(k=k, n=n) for k in range(paragraphs))
        body.append(
            f"<item><title>Story number {n}</title>"
            f"<link>https://{site}/2024/story-{n}</link><guid>https://{site}/?p={n}</guid>"
            "<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>"
            f"<description><![CDATA[{text}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://{site}/</link><description>Generated</description>"
        + "".join(body)
        + "</channel></rss>"
    ).encode()


def _articles() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Article))


def _positions(run_id: int) -> list[int]:
    """The positions of the run's report lines, as stored, in order."""
    return list(
        db.session.scalars(
            sa.select(ImportRunItem.position)
            .where(ImportRunItem.run_id == run_id)
            .order_by(ImportRunItem.position)
        )
    )


def _staff(client, auth, make_user):
    user = make_user(Role.STAFF)
    auth.login(user.email)
    return user


def test_the_probes_30_mb_feed_of_3000_items_is_queued_by_the_request_and_imported_whole(
    client, auth, make_user, worker
):
    feed = generated_feed(3000, paragraphs=59)
    assert 30_000_000 <= len(feed) < 32 * 1024 * 1024
    _staff(client, auth, make_user)
    before = _articles()

    answer = client.post(
        "/staff/articles/import",
        data={"file": (io.BytesIO(feed), "big-feed.xml")},
        content_type="multipart/form-data",
    )
    # The request only keeps the file: not one item is stored while it waits.
    assert answer.status_code == 302
    run_id = int(re.search(r"/staff/articles/imports/(\d+)$", answer.location).group(1))
    assert _articles() == before
    page = client.get(answer.location)
    assert page.status_code == 200 and 'data-progress-url="' in page.text
    assert "<progress" in page.text and "Waiting for a worker" in page.text
    assert client.get(f"/staff/articles/imports/{run_id}/progress").json["state"] == "waiting"

    assert worker.drain() >= 1
    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert (run.total, run.done, run.error) == (3000, 3000, "")
    assert run.finished_at is not None and db.session.get(ImportFile, run.id) is None
    assert _articles() == before + 3000
    progress = client.get(f"/staff/articles/imports/{run_id}/progress").json
    assert progress | {"message": ""} == {
        "id": run_id,
        "file": "big-feed.xml",
        "state": "done",
        "done": 3000,
        "total": 3000,
        "percent": 100,
        "finished": True,
        "message": "",
    }
    report = client.get(f"/staff/articles/imports/{run_id}").text
    assert "3000 found: 3000 created, 0 revised, 0 unchanged, 0 skipped" in report
    assert "Story number 0" in report and "And 2,800 more" in report
    assert 'data-finished="yes"' in report


def test_a_small_upload_is_still_imported_at_once_all_or_nothing(client, auth, make_user):
    _staff(client, auth, make_user)
    answer = client.post(
        "/staff/articles/import",
        data={"file": (io.BytesIO(generated_feed(5)), "small.xml")},
        content_type="multipart/form-data",
    )
    assert answer.location.endswith("/staff/articles/import")
    assert "5 found: 5 created" in client.get(answer.location).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportRun)) == 0


def test_a_file_of_more_items_than_the_limit_is_queued_even_when_small(app, worker):
    feed = generated_feed(app.config["IMPORT_INLINE_MAX_ITEMS"] + 1, paragraphs=1)
    assert len(feed) < app.config["IMPORT_INLINE_MAX_BYTES"]
    run = importing.import_upload(feed, "many.xml")
    assert isinstance(run, ImportRun) and _articles() == 0
    worker.drain()
    db.session.refresh(run)
    assert run.done == run.total == app.config["IMPORT_INLINE_MAX_ITEMS"] + 1


def test_each_batch_commits_whole_and_a_second_delivery_stores_nothing_twice(app, worker):
    run = importing.queue(generated_feed(250, paragraphs=1), "batches.xml")
    job_id = run.job_id
    importing.resume(run.id, batch=100)
    db.session.refresh(run)
    assert (run.done, run.total, _articles()) == (250, 250, 250)
    created = [item.state for item in importing.report_of(run).items]
    assert created == ["created"] * 250
    # The same job delivered again (a duplicate message, the sweep): nothing more happens.
    worker.drain()
    importing.resume(run.id, batch=100)
    db.session.refresh(run)
    assert (run.done, _articles(), _positions(run.id)) == (250, 250, list(range(250)))
    assert db.session.get(Job, job_id).state is JobState.DONE
    finished = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "import_finished", AuditEvent.object_id == run.id
        )
    ).all()
    assert len(finished) == 1 and finished[0].data["created"] == 250


def test_a_report_of_several_batches_reads_back_in_the_files_order(app, statements):
    """Each batch inserts its own report lines, in one statement, and reads none before it."""
    importing.import_file(generated_feed(5, paragraphs=2), "earlier.xml")
    importing.import_file(generated_feed(3, paragraphs=1), "earlier-again.xml")
    # Stories 0-2 are stored as this file has them, 3-4 differ, the rest are new.
    run = importing.queue(generated_feed(250, paragraphs=1), "batches.xml")
    statements.clear()
    importing.resume(run.id, batch=100)

    touching = [s.split()[0] for s in statements if "import_run_items" in s]
    # Three batches, three INSERTs; the one read is the finish counting the states.
    assert touching == ["INSERT", "INSERT", "INSERT", "SELECT"]
    db.session.refresh(run)
    assert "items" not in run.report and run.report["importer"] == "feed"
    assert _positions(run.id) == list(range(250))
    report = importing.report_of(run)
    assert report.summary() == "250 found: 245 created, 2 revised, 3 unchanged, 0 skipped"
    assert [item.headline for item in report.items] == [f"Story number {n}" for n in range(250)]
    assert [item.state for item in report.items[:6]] == ["unchanged"] * 3 + ["revised"] * 2 + [
        "created"
    ]
    assert all(item.awaiting_review for item in report.items[5:])
    finished = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "import_finished", AuditEvent.object_id == run.id
        )
    )
    assert {k: finished.data[k] for k in ("found", "created", "revised", "unchanged")} == {
        "found": 250,
        "created": 245,
        "revised": 2,
        "unchanged": 3,
    }


def test_a_report_line_is_stored_once_and_goes_with_its_run(app):
    run = importing.queue(generated_feed(3, paragraphs=1), "once.xml")
    importing.resume(run.id)
    line = {"run_id": run.id, "position": 1, "article_id": 1, "state": "created"}
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.insert(ImportRunItem).values(**line, awaiting_review=True))
    db.session.execute(sa.delete(ImportRun).where(ImportRun.id == run.id))
    assert _positions(run.id) == []


def test_a_queued_file_whose_every_item_is_skipped_reports_why(app, shared_dir):
    export = shared_dir / "corpus" / "wxr" / "importer-serialized-postmeta-cdata.xml"
    run = importing.queue(export.read_bytes(), "drafts.xml")
    importing.resume(run.id)
    report = importing.report_of(run)
    assert report.items == []
    assert [s.reason for s in report.skipped] == ["a draft: not published"]
    assert report.importer == "wxr"


def test_a_file_that_cannot_be_read_ends_its_import_with_the_reason(
    app, client, auth, make_user, worker
):
    _staff(client, auth, make_user)
    run = importing.queue(b"<rss><channel><title>No items</title></channel></rss>", "empty.xml")
    worker.drain()
    progress = client.get(f"/staff/articles/imports/{run.id}/progress").json
    assert progress["state"] == "failed" and "nothing to import" in progress["message"]
    assert "could not be read" in client.get(f"/staff/articles/imports/{run.id}").text


def test_flask_articles_import_hands_a_large_file_to_the_worker(app, tmp_path, worker):
    path = tmp_path / "cli-feed.xml"
    path.write_bytes(generated_feed(app.config["IMPORT_INLINE_MAX_ITEMS"] + 50, paragraphs=1))
    runner = CliRunner()
    with app.app_context():
        queued = runner.invoke(articles_cli, ["import", str(path)], obj=None)
        assert queued.exit_code == 0, queued.output
        run_id = int(re.search(r"import-status (\d+)", queued.output).group(1))
        assert _articles() == 0
        waiting = runner.invoke(articles_cli, ["import-status", str(run_id)])
        assert "Waiting for a worker" in waiting.output
        worker.drain()
        done = runner.invoke(articles_cli, ["import-status", str(run_id)])
    assert done.exit_code == 0
    assert "cli-feed.xml (feed): 250 found: 250 created" in done.output


def test_a_worker_killed_mid_file_leaves_whole_batches_and_another_resumes(
    separate_app, smtp_server, monkeypatch
):
    """A real `flask worker`, killed with SIGKILL after its first batch committed."""
    _, port = smtp_server
    monkeypatch.setenv("IMPORT_BATCH", "50")  # read by the worker processes' configuration
    with separate_app.app_context():
        before = _articles()
        run = importing.queue(generated_feed(400, paragraphs=1, site="killed.example"), "k.xml")
        run_id, job_id = run.id, run.job_id
        first = _worker_process(separate_app, port)
        try:
            _wait_for_line(first, f"Import {run_id}: 50 of 400 items stored")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        stored = _articles() - before
        assert run.done % 50 == 0 and 50 <= run.done < 400, "whole batches only"
        # Every committed batch left its report lines, and no line of a batch it did not commit.
        assert stored == run.done and _positions(run_id) == list(range(run.done))
        assert db.session.get(Job, job_id).state is JobState.RUNNING  # its lease holds it
        db.session.rollback()

        second = _worker_process(separate_app, port)
        try:
            _wait_for_line(second, "Huey consumer started")
            # The sweep, run at a time past the dead worker's lease.
            later = utcnow() + jobs.LEASE + timedelta(minutes=1)
            assert jobs.sweep(now=later) >= 1
            _wait_for_line(second, f"Import {run_id} finished")
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=30)
        db.session.expire_all()
        run = db.session.get(ImportRun, run_id)
        assert (run.done, run.total, _articles() - before) == (400, 400, 400)
        # Resumed where the dead worker stopped: each line once, in the file's order.
        assert _positions(run_id) == list(range(400))
        report = importing.report_of(run)
        assert [item.state for item in report.items] == ["created"] * 400
        assert [item.headline for item in report.items] == [f"Story number {n}" for n in range(400)]
        assert len({item.article_id for item in report.items}) == 400
        assert db.session.get(Job, job_id).state is JobState.DONE
        queue_of(separate_app).flush()


def test_staff_only_see_background_imports(client, auth, make_user, make_partner):
    run = importing.queue(generated_feed(1), "one.xml")
    partner_user = make_user(Role.PARTNER, partner=make_partner())
    auth.login(partner_user.email)
    assert client.get(f"/staff/articles/imports/{run.id}").status_code == 403
    assert client.get(f"/staff/articles/imports/{run.id}/progress").status_code == 403
    auth.logout()
    _staff(client, auth, make_user)
    assert client.get(f"/staff/articles/imports/{run.id + 1000}").status_code == 404


def test_a_finished_imports_report_is_shown_to_staff_only(client, auth, make_user, make_partner):
    run = importing.queue(generated_feed(3, paragraphs=1), "three.xml")
    importing.resume(run.id)
    page = f"/staff/articles/imports/{run.id}"
    assert client.get(page).status_code == 302  # to the login page
    auth.login(make_user(Role.PARTNER, partner=make_partner()).email)
    refused = client.get(page)
    assert refused.status_code == 403 and "Story number" not in refused.text
    assert client.get(f"{page}/progress").status_code == 403
    auth.logout()
    _staff(client, auth, make_user)
    shown = client.get(page).text
    assert "3 found: 3 created, 0 revised, 0 unchanged, 0 skipped" in shown
    assert (
        shown.index("Story number 0")
        < shown.index("Story number 1")
        < shown.index("Story number 2")
    )
