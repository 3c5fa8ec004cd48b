"""A republished copy is fetched from a real server and checked against its grant's terms.

The pages served are the grant's own package (article.page.html and the article.html
snippet, built by the app's packaging), as they are and with deliberate violations.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import CheckState, Copy, CopyCheck, CopyFlag, FlagKind, Job, Role
from syndication.models.base import utcnow
from syndication.services import copy_checks, notices, packages, reports
from syndication.services.errors import Invalid
from syndication.services.reports import Period, Scope
from tests.factories import source_of
from tests.receivers import Answer

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def desk(make_user):
    return make_user(Role.STAFF, email="desk@example.org")


def _page(grant, fmt: str = "article.page.html") -> str:
    """The grant's package file as it would be downloaded today."""
    return packages.build(source_of(grant), fmt).data.decode()


def _serve(receiver, html: str) -> None:
    receiver.answers = [Answer(200, html.encode(), HTML)]


def _check(worker, receiver, grant, desk, html: str, path: str = "/news/kuleba") -> CopyCheck:
    """Serve ``html``, enter the copy (or check it again), let the worker run; the check."""
    _serve(receiver, html)
    copy = copy_checks.add_copy(grant.article_id, grant.id, receiver.url(path), actor=desk)
    worker.drain()
    db.session.expire_all()
    return copy_checks.history(copy.id)[0]


def _verdicts(check: CopyCheck) -> dict[str, dict]:
    return {r["check"]: r for r in check.results}


def _flag(copy_id: int) -> CopyFlag | None:
    return db.session.scalar(
        sa.select(CopyFlag).where(
            CopyFlag.copy_id == copy_id, CopyFlag.kind == FlagKind.CHECK_FAILED
        )
    )


def test_a_faithful_copy_passes_every_check(seed_grant, desk, http_receiver, worker):
    check = _check(worker, http_receiver, seed_grant, desk, _page(seed_grant))
    assert check.state is CheckState.PASSED, check.results
    assert check.similarity == pytest.approx(1.0)
    assert check.http_status == 200 and check.revision_number == 1
    assert set(_verdicts(check)) == {
        "text",
        "credit",
        "byline",
        "footer",
        "link",
        "pixel",
        "assets",
    } - ({"byline"} if not seed_grant.article.bylines else set())
    assert all(r["passed"] and r["evidence"] for r in check.results)
    assert _flag(check.copy_id) is None
    # The check says who is asking: the product, by name.
    (request,) = http_receiver.received
    assert request.headers["user-agent"].startswith("SyndicationDesk/")
    assert "compliance check" in request.headers["user-agent"]


def test_the_snippet_pasted_into_a_partners_own_page_passes(
    seed_grant, desk, http_receiver, worker
):
    snippet = _page(seed_grant, "article.html")
    site = (
        "<!DOCTYPE html><html><head><title>Outlet — World</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><main>"
        f"{snippet}</main><aside><h2>Most read</h2><p>Council approves the budget</p></aside>"
        "<footer>© Outlet Media</footer></body></html>"
    )
    check = _check(worker, http_receiver, seed_grant, desk, site)
    assert check.state is CheckState.PASSED, check.results


def _without_footer(html: str) -> str:
    return re.sub(r'<p class="syndication-footer">.*?</p>', "", html, flags=re.S)


def _text_edited(html: str) -> str:
    # A paragraph rewritten: the quote's substance changes, not its style.
    edited, n = re.subn(
        r"Kuleba said the most important aspect of the talks[^<]*",
        "Officials in Kyiv privately described the talks as a success and said a"
        " ceasefire agreement with Moscow was expected within days.",
        html,
    )
    assert n == 1
    return edited


def _credit_changed(html: str) -> str:
    edited, n = re.subn(
        r'<p class="credit">.*?</p>', '<p class="credit">By Riverside Courier staff</p>', html
    )
    assert n == 1
    return edited


def _pixel_stripped(html: str) -> str:
    edited, n = re.subn(r'<img src="[^"]*/px/[^"]*"[^>]*>', "", html)
    assert n == 1
    return edited


@pytest.mark.parametrize(
    ("edit", "failed", "evidence"),
    [
        (_without_footer, "footer", "Missing “Content created by"),
        (_text_edited, "text", "the copy: “officials in kyiv privately described"),
        (_credit_changed, "credit", "The page has “By Riverside Courier staff” in its place"),
        (_pixel_stripped, "pixel", 'Missing <img src="http://localhost/px/'),
    ],
    ids=["footer removed", "text edited", "credit changed", "pixel stripped"],
)
def test_each_violation_is_caught_with_its_evidence(
    seed_grant, desk, http_receiver, worker, edit, failed, evidence
):
    check = _check(worker, http_receiver, seed_grant, desk, edit(_page(seed_grant)))
    assert check.state is CheckState.FAILED
    verdicts = _verdicts(check)
    assert [name for name, r in verdicts.items() if not r["passed"]] == [failed]
    assert evidence in verdicts[failed]["evidence"]
    flag = _flag(check.copy_id)
    assert flag is not None and flag.handled_at is None
    assert "failed" in flag.detail


def test_an_edited_text_reports_its_similarity_below_the_threshold(
    seed_grant, desk, http_receiver, worker, app
):
    check = _check(worker, http_receiver, seed_grant, desk, _text_edited(_page(seed_grant)))
    assert check.similarity < app.config["COPY_CHECK_MIN_SIMILARITY"]
    assert f"Similarity {check.similarity:.3f}" in _verdicts(check)["text"]["evidence"]


def test_a_later_pass_closes_the_flag_and_a_new_failure_opens_it_again(
    seed_grant, desk, http_receiver, worker
):
    faithful = _page(seed_grant)
    failed = _check(worker, http_receiver, seed_grant, desk, _without_footer(faithful))
    assert _flag(failed.copy_id).handled_at is None

    passed = _check(worker, http_receiver, seed_grant, desk, faithful)
    assert passed.state is CheckState.PASSED
    flag = _flag(passed.copy_id)
    assert flag.handled_at is not None and "passing check" in flag.handled_note

    again = _check(worker, http_receiver, seed_grant, desk, _pixel_stripped(faithful))
    assert again.state is CheckState.FAILED
    flag = _flag(again.copy_id)
    assert flag.handled_at is None and "Tracking pixel" in flag.detail
    # Every run is kept, newest first.
    assert [c.state for c in copy_checks.history(again.copy_id)] == [
        CheckState.FAILED,
        CheckState.PASSED,
        CheckState.FAILED,
    ]


def test_a_correction_notice_rechecks_the_copies_and_a_copy_without_it_fails(
    seed_grant, desk, http_receiver, worker
):
    before = _page(seed_grant)
    first = _check(worker, http_receiver, seed_grant, desk, before)
    assert first.state is CheckState.PASSED
    article = seed_grant.article
    notices.create(
        article.id,
        "correction",
        actor=desk,
        note="An earlier version gave the wrong day for the shelling.",
        headline=article.headline,
        dek=article.dek,
        body_html=article.body_html.replace("on Wednesday", "on Tuesday"),
    )
    # The notice queued a check of the copy; the copy still shows the old revision.
    queued = copy_checks.history(first.copy_id)[0]
    assert queued.state is CheckState.QUEUED
    worker.drain()
    db.session.expire_all()
    check = db.session.get(CopyCheck, queued.id)
    assert check.state is CheckState.FAILED and check.revision_number == 2
    verdicts = _verdicts(check)
    assert not verdicts["correction"]["passed"]
    assert (
        "Missing “Correction: An earlier version gave the wrong day"
        in (verdicts["correction"]["evidence"])
    )
    # The partner applies the corrected package: the next check passes.
    db.session.refresh(seed_grant)
    after = _check(worker, http_receiver, seed_grant, desk, _page(seed_grant))
    assert after.state is CheckState.PASSED, after.results
    assert _verdicts(after)["correction"]["passed"]


def test_after_a_takedown_the_copy_must_be_gone(seed_grant, desk, http_receiver, worker):
    faithful = _page(seed_grant)
    first = _check(worker, http_receiver, seed_grant, desk, faithful)
    notices.create(
        seed_grant.article_id,
        "takedown",
        actor=desk,
        note="Withdrawn after a legal complaint.",
        record_reason="Complaint from counsel, ref. 42.",
    )
    worker.drain()  # the re-check the notice queued: the page is still up
    db.session.expire_all()
    still_up = copy_checks.history(first.copy_id)[0]
    assert still_up.state is CheckState.FAILED
    (verdict,) = still_up.results
    assert verdict["check"] == "removed" and "still on the page" in verdict["evidence"]

    http_receiver.answers = [Answer(410, b"Gone", HTML)]
    copy_checks.request_check(first.copy_id, actor=desk)
    worker.drain()
    db.session.expire_all()
    gone = copy_checks.history(first.copy_id)[0]
    assert gone.state is CheckState.PASSED and gone.http_status == 410
    assert _flag(first.copy_id).handled_at is not None


def test_a_page_that_cannot_be_read_is_an_error_not_a_verdict(
    seed_grant, desk, http_receiver, worker
):
    http_receiver.answers = [Answer(404, b"Not here", HTML)]
    copy = copy_checks.add_copy(
        seed_grant.article_id, seed_grant.id, http_receiver.url("/gone"), actor=desk
    )
    worker.drain()
    db.session.expire_all()
    (check,) = copy_checks.history(copy.id)
    assert check.state is CheckState.ERROR and check.http_status == 404
    assert "answered 404" in check.error and check.results == []
    assert _flag(copy.id) is None


def test_a_redirect_is_followed_through_the_outbound_client(
    seed_grant, desk, http_receiver, worker
):
    page = _page(seed_grant)
    http_receiver.answers = [
        Answer(301, b"", {"Location": "/news/kuleba/"}),
        Answer(200, page.encode(), HTML),
    ]
    copy = copy_checks.add_copy(
        seed_grant.article_id, seed_grant.id, http_receiver.url("/news/kuleba"), actor=desk
    )
    worker.drain()
    db.session.expire_all()
    assert copy_checks.history(copy.id)[0].state is CheckState.PASSED
    assert [r.path for r in http_receiver.received] == ["/news/kuleba", "/news/kuleba/"]


@pytest.fixture
def strict_outbound(app):
    """The production rule for this test: loopback refused like any private address."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    app.extensions.pop("syndication.outbound", None)
    yield
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = True
    app.extensions.pop("syndication.outbound", None)


def test_a_url_resolving_to_a_private_address_is_refused_outside_the_test_setting(
    seed_grant, desk, http_receiver, worker, strict_outbound
):
    _serve(http_receiver, _page(seed_grant))
    copy = copy_checks.add_copy(
        seed_grant.article_id, seed_grant.id, http_receiver.url("/x", host="localhost"), actor=desk
    )
    worker.drain()
    db.session.expire_all()
    (check,) = copy_checks.history(copy.id)
    assert check.state is CheckState.ERROR and "not a public address" in check.error
    assert http_receiver.received == []


@pytest.mark.parametrize(
    "url",
    ["ftp://outlet.example/story", "javascript:alert(1)", "/relative/path", "https://"],
)
def test_staff_can_only_enter_http_and_https_addresses(seed_grant, desk, url):
    with pytest.raises(Invalid):
        copy_checks.add_copy(seed_grant.article_id, seed_grant.id, url, actor=desk)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Copy)) == 0


def test_a_copy_is_kept_once_per_grant_and_page_without_tracking_parameters(seed_grant, desk):
    first = copy_checks.add_copy(
        seed_grant.article_id,
        seed_grant.id,
        "HTTPS://Outlet.Example/news/kuleba?utm_source=x&id=3#top",
        actor=desk,
    )
    again = copy_checks.add_copy(
        seed_grant.article_id, seed_grant.id, "https://outlet.example/news/kuleba?id=3", actor=desk
    )
    assert first.id == again.id and first.url == "https://outlet.example/news/kuleba?id=3"
    assert first.domain == "outlet.example"
    # One waiting check, not two.
    assert len(copy_checks.history(first.id)) == 1


def test_copies_are_checked_again_weekly(seed_grant, desk, http_receiver, worker):
    check = _check(worker, http_receiver, seed_grant, desk, _page(seed_grant))
    now = utcnow()
    assert copy_checks.queue_due(now=now + timedelta(days=6)) == 0
    assert copy_checks.queue_due(now=now + timedelta(days=7, minutes=1)) == 1
    assert copy_checks.history(check.copy_id)[0].state is CheckState.QUEUED
    jobs = db.session.scalars(sa.select(Job).where(Job.kind == copy_checks.CHECK_JOB)).all()
    assert len(jobs) == 2


def test_the_copy_keeps_its_latest_result_which_the_compliance_report_counts(
    seed_grant, desk, http_receiver, worker
):
    faithful = _page(seed_grant)
    failed = _check(worker, http_receiver, seed_grant, desk, _without_footer(faithful))
    copy = db.session.get(Copy, failed.copy_id)
    assert copy.latest_check_state is CheckState.FAILED
    assert copy.latest_check_at == failed.finished_at

    passed = _check(worker, http_receiver, seed_grant, desk, faithful)
    db.session.refresh(copy)
    assert copy.latest_check_state is CheckState.PASSED
    assert copy.latest_check_at == passed.finished_at
    # A range reaching today reads the copies; one ending yesterday reads the checks.
    today = utcnow().date()
    status = reports.compliance_status(Scope(), Period.of(today - timedelta(days=6), today))
    counts = {row[0]: row[1] for row in status.rows}
    assert (counts["Passed"], counts["Failed"], counts["Not checked in the range"]) == (1, 0, 0)
    earlier = Period.of(today - timedelta(days=6), today - timedelta(days=1))
    counts = {row[0]: row[1] for row in reports.compliance_status(Scope(), earlier).rows}
    assert (counts["Passed"], counts["Failed"], counts["Not checked in the range"]) == (0, 0, 1)
    # Both runs are counted on their day, for the desk and for the grant's partner.
    week = Period.of(today - timedelta(days=6), today)
    for scope in (Scope(), Scope(partner_id=seed_grant.partner_id)):
        (*_, last_day) = reports.check_results(scope, week).rows
        assert last_day == (today.isoformat(), 1, 1, 0)
    assert reports.check_results(Scope(partner_id=seed_grant.partner_id + 1), week).rows[-1] == (
        today.isoformat(),
        0,
        0,
        0,
    )
