"""Corrections, updates and takedowns reach every holder, who acknowledge them by a deadline."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from syndication.extensions import db
from syndication.models import (
    Download,
    GrantStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    RequestStatus,
    Role,
    SyndicationPolicy,
)
from syndication.services import grants, notices, packages
from syndication.services.errors import Conflict, Gone, Invalid
from tests.factories import PASSWORD


@pytest.fixture
def desk(make_user):
    return make_user(Role.STAFF, email="desk@example.org")


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_body(("plain",)).get_content())


def test_a_correction_reaches_the_inbox_and_the_email_with_the_corrected_package(
    desk, make_partner, make_article, make_grant, mailbox, client
):
    article = make_article()
    partner = make_partner()
    grant = make_grant(partner, article)
    notice = notices.create(
        article.id,
        "correction",
        actor=desk,
        note="An earlier version misspelled the minister's name.",
        headline=article.headline,
        dek=article.dek,
        body_html="<p>First paragraph, corrected.</p><p>Second paragraph.</p>",
    )
    assert notice.revision_number == 2
    (delivery,) = notices.inbox(partner.id).items
    assert delivery.notice_id == notice.id and delivery.grant_id == grant.id
    assert delivery.due_at == notice.created_at + timedelta(hours=72)

    (message,) = mailbox.to(partner.contact_email)
    assert "misspelled the minister" in message.get_body(("plain",)).get_content()
    download, ack = _links(message)[0], _links(message)[1]
    # The package link serves the corrected revision, without logging in.
    files = zipfile.ZipFile(io.BytesIO(client.get(download.split("localhost")[-1]).data))
    assert "corrected" in files.read("article.txt").decode()
    # The acknowledgement link asks first (a GET never acknowledges), then records it.
    path = "/" + ack.split("/", 3)[3]
    assert "We have applied it" in client.get(path).text
    db.session.refresh(delivery)
    assert delivery.acknowledged_at is None
    # The button answers with a redirect to the same link, so a reload repeats nothing.
    sent = client.post(path)
    assert sent.status_code == 302 and sent.location == path
    shown = client.get(path).text
    assert "Acknowledged" in shown and "We have applied it" not in shown
    db.session.refresh(delivery)
    assert delivery.acknowledged_at is not None


def test_holders_are_live_grants_recently_expired_ones_and_downloaders_only(
    desk, make_partner, make_article, make_grant
):
    article = make_article()
    live, lapsed, old, other = (make_partner(name=n) for n in ("A live", "B lapsed", "C old", "D"))
    make_grant(live, article)
    now = datetime.now(UTC)
    for partner, ended in ((lapsed, now - timedelta(days=10)), (old, now - timedelta(days=400))):
        grant = make_grant(partner, article)
        grant.valid_from, grant.valid_until = ended - timedelta(days=30), ended
    make_grant(other, make_article())
    db.session.commit()
    assert [h.partner.name for h in notices.holders(article.id)] == ["A live", "B lapsed"]
    # Whoever downloaded it holds a copy, however long ago the grant ended.
    grant = next(g for g in article_grants(article) if g.partner_id == old.id)
    db.session.add(Download(grant_id=grant.id, partner_id=old.id, package_hash="x", format="zip"))
    db.session.commit()
    found = {h.partner.name: h for h in notices.holders(article.id)}
    assert set(found) == {"A live", "B lapsed", "C old"} and found["C old"].downloaded


def article_grants(article):
    from syndication.models import Grant

    return db.session.scalars(db.select(Grant).where(Grant.article_id == article.id)).all()


def test_a_takedown_revokes_every_grant_withdraws_the_article_and_downloads_are_gone(
    desk, make_partner, make_article, make_grant, mailbox
):
    article = make_article()
    first, second = make_partner(), make_partner()
    g1, g2 = make_grant(first, article), make_grant(second, article)
    waiting = make_partner()
    article.embargo_until = datetime.now(UTC) + timedelta(hours=3)
    db.session.commit()
    (pending,) = grants.request_articles(waiting, [article.id])
    assert pending.request.status is RequestStatus.PENDING
    notice = notices.create(
        article.id,
        NoticeKind.TAKEDOWN,
        actor=desk,
        note="Withdrawn after a legal complaint.",
        record_reason="Letter from counsel of 2 Dec, ref 4411.",
    )
    for grant in (g1, g2):
        db.session.refresh(grant)
        assert grant.status is GrantStatus.REVOKED and grant.revoked_notice_id == notice.id
        with pytest.raises(Gone, match=f"legal complaint.*notice {notice.id}"):
            packages.usable(grant.id, grant.partner_id)
    db.session.refresh(article)
    assert article.policy is SyndicationPolicy.NOT_SYNDICATED and article.withdrawn_at
    assert not article.is_offered
    db.session.refresh(pending.request)
    assert pending.request.status is RequestStatus.REFUSED
    assert {d.partner_id for d in notice.deliveries} == {first.id, second.id}
    assert all(d.due_at == notice.created_at + timedelta(hours=24) for d in notice.deliveries)
    text = mailbox.to(first.contact_email)[0].get_body(("plain",)).get_content()
    assert "withdrawn" in text and "counsel" not in text  # the record reason stays inside
    with pytest.raises(Conflict):
        notices.create(article.id, "takedown", actor=desk, note="again", record_reason="again")


def test_a_takedown_answers_410_with_a_problem_naming_the_notice(
    client, desk, make_partner, make_article, make_grant, make_api_key
):
    article, partner = make_article(), make_partner()
    grant = make_grant(partner, article)
    _, secret = make_api_key(partner)
    headers = {"Authorization": f"Bearer {secret}"}
    notice = notices.create(
        article.id, "takedown", actor=desk, note="Retracted.", record_reason="Source recanted."
    )
    response = client.get(f"/api/v1/grants/{grant.id}/package", headers=headers)
    assert response.status_code == 410
    assert response.mimetype == "application/problem+json"
    assert f"notice {notice.id}" in response.get_json()["detail"]
    listed = client.get("/api/v1/articles", headers=headers).get_json()["items"]
    assert article.id not in {item["id"] for item in listed}


def test_a_correction_needs_a_note_and_a_takedown_both_reasons(desk, make_article):
    article = make_article()
    with pytest.raises(Invalid):
        notices.create(article.id, "correction", actor=desk, note=" ")
    with pytest.raises(Invalid):
        notices.create(article.id, "takedown", actor=desk, note="Public only")


def test_reminders_go_at_half_time_and_at_the_deadline_once_each(
    desk, make_partner, make_article, make_grant, mailbox
):
    article, partner = make_article(), make_partner()
    make_grant(partner, article)
    notice = notices.create(article.id, "update", actor=desk, note="Casualty figures updated.")
    (delivery,) = notice.deliveries
    start, due = delivery.created_at, delivery.due_at
    mailbox.to(partner.contact_email)
    mailbox.clear()
    assert notices.send_reminders(now=start + timedelta(hours=1)) == 0
    assert notices.send_reminders(now=start + (due - start) / 2) == 1
    assert notices.send_reminders(now=start + (due - start) / 2) == 0
    (half,) = mailbox.to(partner.contact_email)
    assert half["Subject"].startswith("Reminder:")
    assert notices.send_reminders(now=due + timedelta(minutes=1)) == 1
    assert mailbox.to(partner.contact_email)[-1]["Subject"].startswith("Overdue:")
    assert notices.send_reminders(now=due + timedelta(hours=5)) == 0


def test_the_summary_counts_acknowledged_pending_and_overdue(
    desk, make_partner, make_article, make_grant
):
    article = make_article()
    holders = [make_partner() for _ in range(3)]
    for partner in holders:
        make_grant(partner, article)
    notice = notices.create(article.id, "correction", actor=desk, note="Date fixed.")
    first = next(d for d in notice.deliveries if d.partner_id == holders[0].id)
    notices.acknowledge(holders[0].id, first.id)
    (summary,) = [s for s in notices.summaries().items if s.notice.id == notice.id]
    assert (summary.acknowledged, summary.pending, summary.overdue) == (1, 2, 0)
    later = notice.created_at + timedelta(hours=73)
    (summary,) = [s for s in notices.summaries(now=later).items if s.notice.id == notice.id]
    assert (summary.acknowledged, summary.pending, summary.overdue) == (1, 0, 2)
    _, overdue = notices.deliveries_of(notice.id, state="overdue", now=later)
    assert {d.partner_id for d in overdue} == {holders[1].id, holders[2].id}


def test_revoking_one_grant_is_a_takedown_for_that_holder_only(
    desk, make_partner, make_article, make_grant, mailbox
):
    article = make_article()
    breaker, good = make_partner(), make_partner()
    bad_grant, good_grant = make_grant(breaker, article), make_grant(good, article)
    notice = notices.revoke_grant(
        bad_grant.id,
        actor=desk,
        reason="Republished behind a paywall, twice.",
        public_reason="Your copy broke the terms: no paywalls.",
    )
    with pytest.raises(Gone, match="no paywalls"):
        packages.usable(bad_grant.id, breaker.id)
    packages.usable(good_grant.id, good.id)  # unaffected
    assert [d.partner_id for d in notice.deliveries] == [breaker.id]
    assert "no paywalls" in mailbox.to(breaker.contact_email)[0].get_body(("plain",)).get_content()
    assert mailbox.to(good.contact_email) == []
    assert article.is_offered  # the article stays in the catalogue for everyone else


def test_staff_create_a_correction_from_the_article_page_after_seeing_its_holders(
    client, auth, desk, make_partner, make_article, make_grant
):
    article, partner = make_article(), make_partner(name="Harbour Gazette")
    make_grant(partner, article)
    auth.login("desk@example.org", PASSWORD)
    page = client.get(f"/staff/articles/{article.id}/notices/new?kind=correction").text
    assert "Harbour Gazette" in page and "inbox, email" in page
    response = client.post(
        f"/staff/articles/{article.id}/notices/new?kind=correction",
        data={
            "kind": "correction",
            "note": "The harbour is in Cork, not Cobh.",
            "headline": article.headline,
            "dek": "",
            "body_html": "<p>In Cork.</p>",
        },
    )
    assert response.status_code == 302
    assert "sent to 1 holder." in client.get(response.location).text
    listing = client.get("/staff/notices").text
    assert "The harbour is in Cork" in listing or article.headline in listing
    bad = client.post(
        f"/staff/articles/{article.id}/notices/new?kind=takedown",
        data={"kind": "takedown", "note": "", "record_reason": ""},
    )
    assert bad.status_code == 422


def test_the_cli_creates_a_notice_for_scripts(runner, desk, make_partner, make_article, make_grant):
    article, partner = make_article(), make_partner()
    make_grant(partner, article)
    result = runner.invoke(
        args=["notices", "create", str(article.id), "--kind", "update", "--note", "New quote."]
    )
    assert result.exit_code == 0, result.output
    assert "1 holder" in result.output
    assert notices.inbox(partner.id).items[0].notice.public_note == "New quote."


def test_the_correction_note_is_in_every_format_and_schema_valid(
    desk, make_partner, make_article, make_grant
):
    from syndication.models import Grant
    from syndication.services import package_sources
    from tests.packaging import newsml_errors, ninjs_errors

    article, partner = make_article(), make_partner()
    grant = make_grant(partner, article)
    notices.create(
        article.id,
        "correction",
        actor=desk,
        note="The vote was 52-48, not 48-52.",
        headline=article.headline,
        dek="",
        body_html="<p>The vote was 52-48.</p>",
    )
    files = zipfile.ZipFile(io.BytesIO(packages.build(packages.usable(grant.id, partner.id)).data))
    line = "Correction: The vote was 52-48, not 48-52."
    for name in ("article.html", "article.page.html", "article.txt", "article.md"):
        assert line in files.read(name).decode().replace("\\", ""), name
    ninjs, newsml = files.read("article.ninjs.json"), files.read("article.newsml.xml")
    assert ninjs_errors(ninjs) == [] and newsml_errors(newsml) == []
    assert line in ninjs.decode() and line in newsml.decode()
    assert 'qcode="sig:correction"' in newsml.decode()
    assert '"pubstatus": "usable"' in ninjs.decode()
    # Once revoked, the item's last package says canceled, in both formats.
    db.session.get(Grant, grant.id).status = GrantStatus.REVOKED
    db.session.commit()
    source = package_sources.for_grants([grant.id], partner.id)[grant.id]
    from syndication import packaging

    inp = source.package_input()
    assert b'"pubstatus": "canceled"' in packaging.FILES["article.ninjs.json"].build(inp)
    canceled = packaging.FILES["article.newsml.xml"].build(inp)
    assert b'qcode="stat:canceled"' in canceled and newsml_errors(canceled) == []


def test_after_a_takedown_the_atom_feed_keeps_a_tombstone_and_the_entry_is_gone(
    client, desk, make_partner, make_article, make_grant, make_api_key
):
    import feedparser
    from lxml import etree

    article, partner = make_article(headline="A story we must withdraw"), make_partner()
    make_grant(partner, article)
    _, secret = make_api_key(partner)
    headers = {"Authorization": f"Bearer {secret}"}
    before = client.get("/feeds/atom.xml", headers=headers)
    assert "A story we must withdraw" in before.text
    notices.create(article.id, "takedown", actor=desk, note="Retracted.", record_reason="Legal.")
    after = client.get("/feeds/atom.xml", headers=headers)
    assert after.status_code == 200
    assert "A story we must withdraw" not in after.text
    ns = {"at": "http://purl.org/atompub/tombstones/1.0"}
    (gone,) = etree.fromstring(after.data).xpath("//at:deleted-entry", namespaces=ns)
    entry_id = feedparser.parse(before.data).entries[0].id
    assert gone.get("ref") == entry_id
    assert "Retracted." in gone.xpath("string(at:comment)", namespaces=ns)
    assert not feedparser.parse(after.data).bozo


def test_the_api_lists_unacknowledged_notices_and_a_change_feed_to_poll(
    client, desk, make_partner, make_article, make_grant, make_api_key
):
    partner = make_partner()
    first, second = make_article(), make_article()
    g1 = make_grant(partner, first)
    make_grant(partner, second)
    _, secret = make_api_key(partner)
    headers = {"Authorization": f"Bearer {secret}"}
    correction = notices.create(first.id, "correction", actor=desk, note="Name fixed.")
    notices.create(second.id, "takedown", actor=desk, note="Withdrawn.", record_reason="Legal.")
    (mine,) = [d for d in correction.deliveries]
    notices.acknowledge(partner.id, mine.id)

    waiting = client.get("/api/v1/notices?unacknowledged=1", headers=headers).get_json()
    assert [item["kind"] for item in waiting["items"]] == ["takedown"]
    assert waiting["items"][0]["package_url"] is None

    page = client.get("/api/v1/changes?limit=1", headers=headers).get_json()
    assert [item["kind"] for item in page["items"]] == ["correction"]
    item = page["items"][0]
    assert item["note"] == "Name fixed." and item["revision"] == first.current_revision
    assert item["package_url"].endswith(f"/api/v1/grants/{g1.id}/package")
    following = client.get(f"/api/v1/changes?cursor={page['next_cursor']}", headers=headers)
    assert [i["kind"] for i in following.get_json()["items"]] == ["takedown"]
    # Polling again from the last cursor finds nothing new, and keeps the cursor.
    again = client.get(
        f"/api/v1/changes?cursor={following.get_json()['next_cursor']}", headers=headers
    ).get_json()
    assert again["items"] == [] and again["next_cursor"]
    since = client.get(
        "/api/v1/changes?updated_since=2199-01-01T00:00:00Z", headers=headers
    ).get_json()
    assert since["items"] == []
    # Dates are bounded at the door: a far one is refused, not an empty page.
    far = client.get("/api/v1/changes?updated_since=2999-01-01T00:00:00Z", headers=headers)
    assert far.status_code == 422


def test_a_correction_reaches_the_webhook_signed_and_verified_by_the_library(
    desk, make_partner, make_article, make_grant, https_receiver, worker, mailbox
):
    import json

    from standardwebhooks import Webhook

    from syndication.services import webhooks

    article, partner = make_article(), make_partner()
    make_grant(partner, article)
    secret = webhooks.set_webhook(partner, https_receiver.url("/hook"), actor=None)
    notice = notices.create(article.id, "correction", actor=desk, note="Figures fixed.")
    worker.drain()
    (received,) = [r for r in https_receiver.received if r.path == "/hook"]
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["type"] == "notice.correction"
    assert payload["data"]["note"] == "Figures fixed."
    assert payload["data"]["article_id"] == article.id
    assert payload["data"]["package_url"].endswith(
        f"/grants/{notice.deliveries[0].grant_id}/package"
    )
    assert json.loads(received.body)["data"]["acknowledge_by"]
    # The same notice reached the inbox and the email too.
    assert notices.inbox(partner.id).items[0].notice_id == notice.id
    assert mailbox.to(partner.contact_email)


def test_a_correction_sent_with_the_text_as_the_form_gives_it_back_makes_no_revision(
    client, auth, desk, make_partner, make_article, make_grant
):
    """A browser sends a textarea back with CRLF line endings: that is no change."""
    article = make_article(
        dek="What the ministers said.",
        body_html="<p>First paragraph.</p>\n<p>Second paragraph.</p>",
    )
    partner = make_partner()
    make_grant(partner, article)
    revision = article.current_revision
    auth.login("desk@example.org", PASSWORD)
    response = client.post(
        f"/staff/articles/{article.id}/notices/new?kind=correction",
        data={
            "note": "The second paragraph named the wrong ministry.",
            "headline": article.headline,
            "dek": article.dek or "",
            "body_html": article.body_html.replace("\n", "\r\n"),
        },
    )
    assert response.status_code == 302, response.text
    db.session.refresh(article)
    assert article.current_revision == revision
    (delivery,) = notices.inbox(partner.id).items
    assert delivery.notice.revision_number == revision


def test_the_inbox_pages_open_notices_first_newest_first(make_article, make_partner):
    from syndication.models.base import utcnow

    article, partner = make_article(), make_partner()
    made = []
    for n in range(5):
        delivery = NoticeDelivery(
            notice=Notice(article=article, kind=NoticeKind.UPDATE, title=f"Inbox {n}"),
            partner=partner,
            acknowledged_at=utcnow() if n % 2 else None,
        )
        db.session.add(delivery)
        db.session.commit()
        made.append(delivery.id)
    expected = [made[4], made[2], made[0], made[3], made[1]]
    pages = [notices.inbox(partner.id, per_page=2)]
    while pages[-1].has_next:
        pages.append(notices.inbox(partner.id, per_page=2, cursor=pages[-1].next_cursor))
    assert [d.id for page in pages for d in page.items] == expected
    back = notices.inbox(partner.id, per_page=2, cursor=pages[1].prev_cursor)
    assert back.items == pages[0].items
