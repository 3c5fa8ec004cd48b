"""Staff tools: colleagues, the audit log and its CSV, holders, partner pages, sorting,
filtering, pages past the end, plurals, date ranges, sections and login refusals."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from syndication.extensions import db
from syndication.models import (
    DailyGrantViews,
    Download,
    Notice,
    NoticeDelivery,
    NoticeKind,
    PartnerStatus,
    PixelHit,
    Role,
    User,
)
from syndication.services import audit, holders, users
from syndication.services.errors import Conflict, Forbidden, NotFound
from syndication.services.pagination import Sort, parse_sort
from syndication.templating import plural
from tests.factories import PASSWORD


@pytest.fixture
def admin(make_user, auth):
    user = make_user(Role.ADMIN, email="ana@example.org", name="Ana Ruiz")
    auth.login("ana@example.org")
    return user


# --- colleagues -------------------------------------------------------------------------


def test_admin_invites_a_colleague_with_a_role(client, admin, mailbox):
    response = client.post(
        "/staff/colleagues/invite", data={"email": "Bo@Example.org", "name": "Bo", "role": "admin"}
    )
    assert response.status_code == 302
    bo = users.find_by_email("bo@example.org")
    assert bo.role is Role.ADMIN and bo.password_hash is None
    body = mailbox.to("bo@example.org")[0].get_body(("plain",)).get_content()
    assert "/invitation/" in body and "licensing staff (admin)" in body
    page = client.get("/staff/colleagues").text
    assert "bo@example.org" in page and "invited" in page


def test_plain_staff_see_colleagues_but_cannot_manage_them(client, make_user, auth):
    make_user(Role.STAFF, email="sam@example.org")
    auth.login("sam@example.org")
    assert client.get("/staff/colleagues").status_code == 200
    invite = client.post("/staff/colleagues/invite", data={"email": "x@example.org"})
    assert invite.status_code == 403


def test_the_last_admin_cannot_be_demoted(admin, make_user):
    with pytest.raises(Conflict, match="last administrator"):
        users.change_role(admin.id, Role.STAFF, actor=admin)
    second = users.change_role(make_user(Role.STAFF).id, Role.ADMIN, actor=admin)
    users.change_role(admin.id, Role.STAFF, actor=second)  # two admins: one may step down
    with pytest.raises(Conflict, match="last administrator"):
        users.change_role(second.id, Role.STAFF, actor=second)
    assert db.session.get(User, second.id).role is Role.ADMIN


def test_an_admin_cannot_deactivate_themselves(admin):
    from syndication.services.errors import Invalid

    with pytest.raises(Invalid):
        users.set_colleague_active(admin.id, False, actor=admin)


def test_role_change_asks_first_then_ends_the_colleagues_sessions(client, admin, make_user):
    staff = make_user(Role.STAFF, email="cy@example.org")
    version = staff.session_version
    asked = client.post(f"/staff/colleagues/{staff.id}/role", data={"role": "admin"})
    assert "Make cy@example.org an admin?" in asked.text
    assert db.session.get(User, staff.id).role is Role.STAFF
    done = client.post(
        f"/staff/colleagues/{staff.id}/role", data={"role": "admin", "confirmed": "yes"}
    )
    assert done.status_code == 302
    db.session.refresh(staff)
    assert staff.role is Role.ADMIN and staff.session_version == version + 1


def test_deactivating_a_colleague_refuses_their_login(client, admin, make_user):
    staff = make_user(Role.STAFF, email="di@example.org")
    client.post(f"/staff/colleagues/{staff.id}/deactivate", data={"confirmed": "yes"})
    client.post("/logout")
    refused = client.post("/login", data={"email": "di@example.org", "password": PASSWORD})
    assert refused.status_code == 422 and "deactivated" in refused.text


def test_only_admins_manage_and_partners_are_not_colleagues(make_user, make_partner):
    staff = make_user(Role.STAFF)
    with pytest.raises(Forbidden):
        users.invite_colleague("e@example.org", Role.STAFF, actor=staff)
    partner_user = make_user(Role.PARTNER, partner=make_partner())
    with pytest.raises(NotFound):
        users.colleague(partner_user.id)


# --- login refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [(PartnerStatus.SUSPENDED, "is suspended"), (PartnerStatus.TERMINATED, "has ended")],
)
def test_a_suspended_or_terminated_partners_login_says_why_and_whom_to_write(
    client, make_partner, make_user, status, words
):
    partner = make_partner(status)
    make_user(Role.PARTNER, partner=partner, email="ed@gone.example")
    response = client.post("/login", data={"email": "ed@gone.example", "password": PASSWORD})
    assert response.status_code == 422
    assert f"The partnership of {partner.name} {words}" in response.text
    assert "licensing@" in response.text
    # A wrong password says nothing about the account.
    wrong = client.post("/login", data={"email": "ed@gone.example", "password": "not it at all"})
    assert "do not match an account" in wrong.text and words not in wrong.text


# --- the audit log ----------------------------------------------------------------------


def test_events_read_as_sentences(admin, make_partner):
    partner = make_partner(PartnerStatus.APPLIED)
    event = audit.record(
        admin, "approve", partner, from_status="applied", to_status="approved",
        reason="large regional audience",
    )  # fmt: skip
    db.session.flush()
    assert audit.describe(event) == "Approved by Ana Ruiz: large regional audience"
    applied = audit.record(None, "applied", partner, to_status="applied")
    db.session.flush()
    assert audit.describe(applied) == "Applied to become a partner"
    unknown = audit.record(admin, "partner_decided", partner)
    db.session.flush()
    assert "partner_decided" not in audit.describe(unknown)


def test_notice_webhook_and_login_events_read_as_sentences(admin, make_partner, make_user):
    partner = make_partner(name="Harbour Gazette")
    editor = make_user(Role.PARTNER, partner=partner, email="ed@harbour.example", name="Ed Hall")

    def said(actor, action, obj, **kw) -> str:
        event = audit.record(actor, action, obj, **kw)
        db.session.flush()
        return audit.describe(event)

    assert said(admin, "notice_correction", partner, holders=3, note="Date fixed") == (
        "Correction sent by Ana Ruiz (reached 3 holders; note “Date fixed”)"
    )
    assert said(admin, "notice_takedown", partner, holders=1) == (
        "Takedown sent by Ana Ruiz (reached 1 holder)"
    )
    assert said(
        admin, "grant_revoked", partner, reason="Paywalled", public_reason="No paywalls"
    ) == ("Grant revoked by Ana Ruiz (partner told “No paywalls”): Paywalled")
    assert said(editor, "webhook_secret_rotated", partner, overlap_hours=24.0) == (
        "Webhook signing secret rotated by Ed Hall (the old secret also signs for 24 hours)"
    )
    assert said(None, "webhook_disabled", partner, reason="The endpoint answered 410 Gone.") == (
        "Webhook turned off after failed deliveries: The endpoint answered 410 Gone."
    )
    assert said(editor, "logged_in", editor, ip_address="192.0.2.7", second_factor="recovery") == (
        "Logged in (with a recovery code; from 192.0.2.7)"
    )
    assert said(None, "login_failed", editor, ip_address="192.0.2.7") == (
        "Login failed: wrong password (from 192.0.2.7)"
    )
    assert said(None, "account_locked", editor) == "Account locked after repeated failures"
    assert said(editor, "two_factor_enabled", editor) == "Second factor turned on by Ed Hall"
    # Every action the code records reads as a sentence of its own, not its code in words.
    recorded = _recorded_actions() - {"approve", "reject", "suspend", "reinstate", "terminate"}
    assert recorded - set(audit.SENTENCES) == set()


def _recorded_actions() -> set[str]:
    """Every action name written by an ``audit.record`` call in the package's source."""
    import pathlib
    import re

    import syndication

    found: set[str] = set()
    for source in pathlib.Path(syndication.__file__).parent.rglob("*.py"):
        text = source.read_text()
        for call in re.finditer(r"audit\.record\(\s*\w+,\s*(f?)\"([a-z_{}.]+)\"", text):
            if call.group(1):  # notice_{kind.value}
                found |= {"notice_correction", "notice_update", "notice_takedown"}
            else:
                found.add(call.group(2))
    return found


def test_partner_history_shows_sentences_not_codes(client, admin, make_partner):
    partner = make_partner(PartnerStatus.APPLIED)
    client.post(
        f"/staff/partners/{partner.id}/decide",
        data={"action": "approve", "version": partner.version, "reason": "big audience"},
    )
    page = client.get(f"/staff/partners/{partner.id}").text
    assert "Approved by Ana Ruiz (tier standard): big audience" in page


def test_audit_log_filters_by_actor_object_action_and_date(client, admin, make_partner):
    one, two = make_partner(), make_partner()
    audit.record(admin, "suspend", one, reason="first")
    audit.record(None, "applied", two)
    db.session.commit()
    by_actor = client.get(f"/staff/audit?actor={admin.id}").text
    assert "Suspended by Ana Ruiz: first" in by_actor and "Applied to become" not in by_actor
    by_object = client.get(f"/staff/audit?object_type=partners&object_id={two.id}").text
    assert "Applied to become a partner" in by_object and "first" not in by_object
    assert "first" in client.get("/staff/audit?action=suspend").text
    assert "first" not in client.get("/staff/audit?from=2199-01-01").text


def test_a_reversed_date_range_is_a_form_error_not_a_silent_filter(client, admin):
    response = client.get("/staff/audit?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422
    assert "comes before" in response.text
    articles = client.get("/staff/articles?from=2026-05-01&to=2026-04-01")
    assert articles.status_code == 422 and "comes before" in articles.text


def test_audit_log_exports_the_filtered_events_as_csv(client, admin, make_partner):
    partner = make_partner()
    audit.record(admin, "suspend", partner, reason="=HYPERLINK(evil)")
    db.session.commit()
    response = client.get("/staff/audit.csv?action=suspend")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["suspend"]
    assert rows[0]["actor"] == "Ana Ruiz" and rows[0]["object_id"] == str(partner.id)
    assert rows[0]["sentence"].startswith("Suspended by Ana Ruiz")
    # What a spreadsheet would run as a formula is written as text.
    assert rows[0]["reason"] == "'=HYPERLINK(evil)"


# --- holders and partner pages ----------------------------------------------------------


def test_article_page_lists_every_holder_with_use_and_notices(
    client, admin, seed_grant, make_partner, make_grant
):
    other = make_grant(make_partner(name="Second Holder"), seed_grant.article)
    db.session.add_all(
        [
            Download(grant_id=seed_grant.id, partner_id=seed_grant.partner_id,
                     package_hash="x" * 64, format="bundle"),
            Download(grant_id=seed_grant.id, partner_id=seed_grant.partner_id,
                     package_hash="x" * 64, format="article.html"),
            # The holders read the pixel's daily roll-ups, not the raw hits.
            PixelHit(grant_id=seed_grant.id, visitor_hash="a"),
            DailyGrantViews(grant_id=seed_grant.id, domain="a.example", day=date(2026, 3, 1),
                            article_id=seed_grant.article_id, partner_id=seed_grant.partner_id,
                            raw=5, counted=1),
            DailyGrantViews(grant_id=seed_grant.id, domain="b.example", day=date(2026, 3, 2),
                            article_id=seed_grant.article_id, partner_id=seed_grant.partner_id,
                            raw=3, counted=2),
        ]
    )  # fmt: skip
    notice = Notice(article=seed_grant.article, kind=NoticeKind.CORRECTION, title="Fix")
    db.session.add(
        NoticeDelivery(notice=notice, partner_id=seed_grant.partner_id, grant_id=seed_grant.id)
    )
    db.session.commit()
    rows = holders.of_article(seed_grant.article_id, sort=Sort("downloads", True)).items
    assert [
        (h.grant.id, h.downloads, h.pixel_views, h.raw_hits, h.notices, h.acknowledged)
        for h in rows
    ] == [
        (seed_grant.id, 2, 3, 8, 1, 0),
        (other.id, 0, 0, 0, 0, 0),
    ]
    # Sorted by anything but a count, the page is taken first and only its grants counted:
    # the same figures.
    for sort in (Sort("since", True), Sort("partner", False), Sort("partner", True)):
        counted = {
            h.grant.id: (h.downloads, h.last_download, h.pixel_views, h.raw_hits, h.notices)
            for h in holders.of_article(seed_grant.article_id, sort=sort).items
        }
        assert counted == {
            h.grant.id: (h.downloads, h.last_download, h.pixel_views, h.raw_hits, h.notices)
            for h in rows
        }
    page = client.get(f"/staff/articles/{seed_grant.article_id}").text
    assert "Holders" in page and "Second Holder" in page and "0 of 1 notice acknowledged" in page


def test_holders_page_by_cursor_and_a_cursor_stays_with_its_article(
    make_article, make_partner, make_grant
):
    from syndication.services.pagination import BadCursor

    article, elsewhere = make_article(), make_article()
    for name in ("Bay Herald", "Cove Times", "Alder Post"):
        make_grant(make_partner(name=name), article)
    sort = Sort("partner", False)
    pages = [holders.of_article(article.id, sort=sort, per_page=2)]
    pages.append(holders.of_article(article.id, sort=sort, per_page=2, cursor=pages[0].next_cursor))
    names = [h.grant.partner.name for page in pages for h in page.items]
    assert names == ["Alder Post", "Bay Herald", "Cove Times"] and not pages[1].has_next
    assert pages[0].total == 3
    back = holders.of_article(article.id, sort=sort, per_page=2, cursor=pages[1].prev_cursor)
    assert back.items == pages[0].items
    with pytest.raises(BadCursor):
        holders.of_article(elsewhere.id, sort=sort, per_page=2, cursor=pages[0].next_cursor)


def test_a_partners_grants_in_every_sort_by_cursor_with_their_use(
    client, admin, make_partner, make_article, make_grant
):
    from datetime import timedelta

    from syndication.models.base import utcnow
    from syndication.services.pagination import BadCursor

    partner, other = make_partner(name="Busy Outlet"), make_partner(name="Other Outlet")
    held, issued = [], utcnow().replace(microsecond=0)
    for n, headline in enumerate(["Cedar", "Alder", "Birch", "Dogwood", "Elm"]):
        grant = make_grant(partner, make_article(headline=headline))
        grant.valid_from = issued - timedelta(days=[3, 1, 3, 0, 2][n])  # two share a time
        held.append(grant)
    make_grant(other, held[0].article)  # another partner's grant is never listed
    db.session.add_all(
        Download(grant_id=held[n].id, partner_id=partner.id, package_hash="x" * 64, format="zip")
        for n in (2, 2, 2, 4)
    )
    db.session.add(
        DailyGrantViews(grant_id=held[1].id, domain="a.example", day=date(2026, 3, 1),
                        article_id=held[1].article_id, partner_id=partner.id, raw=9, counted=4)
    )  # fmt: skip
    db.session.commit()
    since = {g.id: (g.valid_from, g.id) for g in held}
    uses = {g.id: (3 if g is held[2] else 1 if g is held[4] else 0) for g in held}
    expected = {
        "article": sorted(held, key=lambda g: (g.article.headline, g.id)),
        "since": sorted(held, key=lambda g: since[g.id]),
        "downloads": sorted(held, key=lambda g: (uses[g.id], g.id)),
        "views": sorted(held, key=lambda g: (4 if g is held[1] else 0, g.id)),
    }
    for key, ascending in expected.items():
        for descending in (False, True):
            sort = Sort(key, descending)
            pages = [holders.of_partner(partner.id, sort=sort, per_page=2)]
            while pages[-1].has_next:
                cursor = pages[-1].next_cursor
                pages.append(holders.of_partner(partner.id, sort=sort, per_page=2, cursor=cursor))
            rows = [h for page in pages for h in page.items]
            order = list(reversed(ascending)) if descending else ascending
            assert [h.grant.id for h in rows] == [g.id for g in order], sort
            assert pages[0].total == 5 and len(pages) == 3
            for h in rows:
                assert h.grant.article.headline == next(
                    g.article.headline for g in held if g.id == h.grant.id
                )
                assert h.downloads == uses[h.grant.id]
                assert (h.pixel_views, h.raw_hits) == ((4, 9) if h.grant is held[1] else (0, 0))
                assert h.live and h.notices == 0
            with pytest.raises(BadCursor):
                holders.of_partner(other.id, sort=sort, per_page=2, cursor=pages[0].next_cursor)
    page = client.get(f"/staff/partners/{partner.id}?sort=-since").text
    shown = [page.index(f">{g.article.headline}</a>") for g in reversed(expected["since"])]
    assert shown == sorted(shown) and "5 grants" in page
    tampered = client.get(f"/staff/partners/{partner.id}?cursor=x{pages[0].next_cursor}")
    assert tampered.status_code == 400


def test_partner_page_shows_grants_downloads_and_contacts(client, admin, seed_grant, make_api_key):
    from datetime import timedelta

    key, _ = make_api_key(seed_grant.partner, label="Newsroom CMS")
    editor = users.find_by_email("ed@p.example")
    at = seed_grant.valid_from
    db.session.add_all(
        Download(grant_id=seed_grant.id, partner_id=seed_grant.partner_id, package_hash="x" * 64,
                 format=fmt, user_id=user_id, api_key_id=key_id, created_at=at + timedelta(n))
        for n, (fmt, user_id, key_id) in enumerate(
            [("bundle", editor.id, None), ("article.md", None, key.id), ("ninjs", None, None)]
        )
    )  # fmt: skip
    db.session.commit()
    page = client.get(f"/staff/partners/{seed_grant.partner_id}").text
    assert seed_grant.licence_id in page
    assert "ed@p.example" in page and "Latest downloads" in page
    latest = page.split('class="plain downloads"')[1].split("</ul>")[0]
    headline = seed_grant.article.headline
    said = [item.split("</li>")[0].split(" — ", 1)[1] for item in latest.split("<li>")[1:]]
    assert said == [
        f"{headline} (ninjs) by an emailed link",
        f"{headline} (article.md) by API key “Newsroom CMS”",
        f"{headline} (bundle) by ed@p.example",
    ]


def test_grant_page_offers_the_embed_code_to_copy(client, auth, seed_grant):
    auth.login("ed@p.example")
    page = client.get(f"/portal/grants/{seed_grant.id}").text
    assert 'id="embed-code"' in page and 'data-copy="embed-code"' in page
    assert "syndicated-article" in page  # the article.html snippet, escaped in a textarea


# --- notices -----------------------------------------------------------------------------


def _notice(article, kind: NoticeKind, title: str, partners_due: list, *, days_ago: int = 0):
    from datetime import timedelta

    from syndication.models.base import utcnow

    sent = utcnow() - timedelta(days=days_ago)
    notice = Notice(article=article, kind=kind, title=title, created_at=sent)
    for partner, due_in_hours, acknowledged in partners_due:
        db.session.add(
            NoticeDelivery(
                notice=notice,
                partner=partner,
                due_at=utcnow() + timedelta(hours=due_in_hours),
                acknowledged_at=utcnow() if acknowledged else None,
            )
        )
    db.session.add(notice)
    db.session.flush()
    return notice


def test_the_notices_table_sorts_and_filters_by_kind_state_and_date(
    client, admin, make_article, make_partner
):
    article = make_article()
    one, two = make_partner(), make_partner()
    _notice(article, NoticeKind.CORRECTION, "Old correction", [(one, 72, True)], days_ago=10)
    _notice(article, NoticeKind.TAKEDOWN, "Late takedown", [(one, -2, False), (two, -1, False)])
    _notice(article, NoticeKind.UPDATE, "Open update", [(one, 48, False), (two, 48, True)])
    page = client.get("/staff/notices").text
    assert page.index("Open update") < page.index("Late takedown") < page.index("Old correction")
    assert "3 notices" in page and "2 holders overdue" in page
    by_overdue = client.get("/staff/notices?sort=-overdue").text
    assert by_overdue.index("Late takedown") < by_overdue.index("Open update")
    by_title = client.get("/staff/notices?sort=title").text
    assert by_title.index("Late takedown") < by_title.index("Old correction")
    takedowns = client.get("/staff/notices?kind=takedown").text
    assert "Late takedown" in takedowns and "Open update" not in takedowns
    overdue = client.get("/staff/notices?state=overdue").text
    assert "Late takedown" in overdue and "Open update" not in overdue and "1 notice" in overdue
    still_open = client.get("/staff/notices?state=open").text
    assert "Open update" in still_open and "Old correction" not in still_open
    from datetime import timedelta

    from syndication.models.base import utcnow

    since = (utcnow() - timedelta(days=2)).date().isoformat()
    recent = client.get(f"/staff/notices?from={since}").text
    assert "Old correction" not in recent and "Open update" in recent
    reversed_range = client.get("/staff/notices?from=2026-02-01&to=2026-01-01")
    assert reversed_range.status_code == 422 and "comes before" in reversed_range.text
    assert client.get("/staff/notices?cursor=9").status_code == 400


def test_one_notices_holders_filter_by_state(client, admin, make_article, make_partner):
    article = make_article()
    late, done = make_partner(name="Late Ledger"), make_partner(name="Done Daily")
    notice = _notice(article, NoticeKind.CORRECTION, "A fix", [(late, -1, False), (done, 5, True)])
    page = client.get(f"/staff/notices/{notice.id}").text
    assert "Late Ledger" in page and "Done Daily" in page and "2 holders" in page
    overdue = client.get(f"/staff/notices/{notice.id}?state=overdue").text
    assert "Late Ledger" in overdue and "Done Daily" not in overdue


def test_a_takedown_and_a_revocation_ask_first(client, admin, make_article, make_partner):
    from syndication.models import Grant, GrantStatus
    from syndication.services import grants

    article, partner = make_article(), make_partner(name="Harbour Gazette")
    (result,) = grants.request_articles(partner, [article.id])
    grant = result.grant
    form = f"/staff/articles/{article.id}/notices/new?kind=takedown"
    assert "data-confirm=" in client.get(form).text
    reasons = {"note": "Legal request", "record_reason": "Court order 12"}
    asked = client.post(form, data=reasons)
    # Without scripts the page asks, and its form goes back to the same address, kind and all.
    assert asked.status_code == 200 and "Please confirm" in asked.text
    assert f'action="{form}"' in asked.text.replace("&amp;", "&")
    assert "1 holder told" in asked.text
    assert db.session.get(Grant, grant.id).status is GrantStatus.ACTIVE
    revoke = f"/staff/grants/{grant.id}/revoke"
    why = {"reason": "Paywalled", "public_reason": "No paywalls, please."}
    assert "Please confirm" in client.post(revoke, data=why).text
    assert db.session.get(Grant, grant.id).status is GrantStatus.ACTIVE
    # A missing reason is a form error first, before anything is asked.
    assert client.post(revoke, data={"reason": "", "public_reason": ""}).status_code == 422
    done = client.post(revoke, data={**why, "confirmed": "yes"})
    assert done.status_code == 302
    db.session.refresh(grant)
    assert grant.status is GrantStatus.REVOKED
    history = client.get("/staff/audit").text
    assert "Grant revoked by Ana Ruiz" in history


# --- sorting, pages, plurals, sections --------------------------------------------------


def test_staff_tables_sort_by_their_columns(client, admin, make_partner):
    make_partner(name="Aardvark Times"), make_partner(name="Zebra Post")
    ascending = client.get("/staff/partners?sort=name").text
    descending = client.get("/staff/partners?sort=-name").text
    assert ascending.index("Aardvark Times") < ascending.index("Zebra Post")
    assert descending.index("Zebra Post") < descending.index("Aardvark Times")
    assert 'aria-sort="descending"' in descending


def test_staff_pages_refuse_a_changed_or_foreign_cursor(client, admin, make_article):
    make_article()
    for path in ("partners", "audit", "requests", "notices", "copies"):
        assert client.get(f"/staff/{path}?cursor=nonsense").status_code == 400
    assert client.get("/staff/articles?cursor=nonsense").status_code == 400
    # A real cursor of one list (or one sort of it) is not a cursor of another.
    _make_partners(52)
    cursor = _next_link(client.get("/staff/partners?sort=name").text)
    assert client.get(cursor).status_code == 200
    assert client.get(cursor.replace("sort=name", "sort=-name")).status_code == 400
    foreign = cursor.replace("/staff/partners", "/staff/audit").replace("sort=name", "")
    assert "not valid for this list" in client.get(foreign).text
    assert parse_sort("-bogus", {"name": 1}, "name") == Sort("name", False)


def _make_partners(n: int) -> None:
    from syndication.models import OutletType, Partner, PartnerStatus

    for i in range(n):
        db.session.add(
            Partner(
                name=f"Walk Outlet {i:03}",
                website=f"https://walk{i}.example",
                outlet_type=OutletType.NEWSPAPER,
                contact_name="Pat",
                contact_email=f"pat@walk{i}.example",
                status=PartnerStatus.APPROVED,
            )
        )
    db.session.commit()


def _next_link(page: str, rel: str = "next") -> str:
    import html
    import re

    return html.unescape(re.search(rf'rel="{rel}" href="([^"]+)"', page).group(1))


def test_a_staff_table_pages_forwards_and_back_by_cursor(client, admin):
    _make_partners(52)
    first = client.get("/staff/partners?sort=name").text
    assert "Walk Outlet 000" in first and "Walk Outlet 049" in first
    assert "Walk Outlet 050" not in first and 'rel="prev"' not in first
    second = client.get(_next_link(first)).text
    assert "Walk Outlet 050" in second and "Walk Outlet 051" in second
    assert "Walk Outlet 049" not in second and 'rel="next"' not in second
    assert "52 partners" in second
    back = client.get(_next_link(second, "prev")).text
    assert "Walk Outlet 000" in back and "Walk Outlet 050" not in back


def test_counts_have_the_right_plural(client, admin, make_partner):
    assert plural(1, "article") == "1 article"
    assert plural(0, "article") == "0 articles"
    assert plural(1200, "article") == "1,200 articles"
    make_partner()
    assert "1 partner<" in client.get("/staff/partners").text


def test_sections_differing_in_case_are_one(client, admin, make_article):
    world = make_article(section="World", headline="Capitals meet")
    later = make_article(section="world", headline="Envoys return")
    assert later.section == "World"
    page = client.get("/staff/articles?section=WORLD").text
    assert world.headline in page and later.headline in page
    from syndication.services import search

    assert [s for s in search.sections() if s.casefold() == "world"] == ["World"]


def test_a_rule_with_a_reversed_window_is_a_form_error(client, admin):
    response = client.post(
        "/staff/rules/new",
        data={
            "name": "Backwards",
            "priority": "0",
            "published_from": "2026-05-01",
            "published_until": "2026-04-01",
        },
    )
    assert response.status_code == 422
    assert "“Articles published before” comes before “Articles published from”" in response.text
