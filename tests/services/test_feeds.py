"""Partner feeds: RSS, Atom and JSON Feed of held grants, by feed token or API key."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import lxml.etree
import lxml.html
import orjson
import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import AuditEvent, GrantStatus, PartnerStatus, User
from syndication.security import hash_api_key
from syndication.services import feeds, packages, pixels, settings
from tests.factories import PASSWORD, source_of

FORMATS = ("rss.xml", "atom.xml", "feed.json")


@pytest.fixture
def token(seed_grant) -> str:
    return feeds.issue_feed_token(seed_grant.partner)


def _get(client, name: str, *, token: str | None = None, key: str | None = None, **headers):
    if token is not None:
        return client.get(f"/feeds/{token}/{name}", headers=headers)
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.get(f"/feeds/{name}", headers=headers)


def _parse(response) -> dict:
    """The feed as a list of plain entries; asserts it parses without a single complaint."""
    if response.mimetype == "application/feed+json":
        document = orjson.loads(response.data)
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(document["title"], str) and document["title"]
        assert isinstance(document["items"], list)
        for item in document["items"]:
            assert isinstance(item["id"], str) and item["id"]
            assert "content_html" in item or "content_text" in item
        return {
            "title": document["title"],
            "entries": [
                {
                    "id": item["id"],
                    "title": item["title"],
                    "link": item.get("url"),
                    "content": item["content_html"],
                    "summary": item.get("summary", ""),
                    "authors": [a["name"] for a in item.get("authors", [])],
                    "tags": item.get("tags", []),
                    "published": item["date_published"],
                    "updated": item["date_modified"],
                }
                for item in document["items"]
            ],
        }
    parsed = feedparser.parse(
        response.data, response_headers={"content-type": response.headers["Content-Type"]}
    )
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {
        "title": parsed.feed.title,
        "entries": [
            {
                "id": entry.id,
                "title": entry.title,
                "link": entry.get("link"),
                "content": entry.content[0].value,
                "summary": entry.get("summary", ""),
                "authors": [a.get("name") for a in entry.get("authors", [])],
                "tags": [t.term for t in entry.get("tags", [])],
                "published": entry.get("published"),
                "updated": entry.get("updated"),
            }
            for entry in parsed.entries
        ],
    }


def _text(html: str) -> str:
    return " ".join(lxml.html.fromstring(f"<div>{html}</div>").text_content().split())


def _uri(grant) -> str:
    """The article's URI as the grant's ninjs package gives it."""
    return orjson.loads(packages.build(source_of(grant), "article.ninjs.json").data)["uri"]


def _footer(grant) -> str:
    return " ".join(grant.terms["formats"]["text"]["footer"].split())


# --- what the feeds carry ------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("auth_by", ["token", "key"])
def test_seed_feed_parses_and_carries_the_grants_footer_without_promos(
    client, seed_grant, token, make_api_key, name, auth_by
):
    if auth_by == "token":
        response = _get(client, name, token=token)
    else:
        response = _get(client, name, key=make_api_key(seed_grant.partner)[1])
    assert response.status_code == 200
    assert b"(RELATED:" not in response.data
    (entry,) = _parse(response)["entries"]
    # The article's own URI, the one its ninjs and NewsML-G2 carry; the link is the article.
    assert entry["id"] == _uri(seed_grant) and entry["id"].startswith("tag:")
    assert entry["title"] == "Kuleba and Lavrov"
    assert entry["link"] == "https://dcnf.example/kuleba/"
    text = _text(entry["content"])
    assert _footer(seed_grant) and text.count(_footer(seed_grant)) == 1
    assert "(RELATED:" not in text


def test_item_content_is_the_article_html_snippet_under_the_grants_feed_terms(
    client, seed_grant, token
):
    document = orjson.loads(_get(client, "feed.json", token=token).data)
    html = document["items"][0]["content_html"]
    snippet = packages.build(source_of(seed_grant), "article.html").data.decode()
    feed_terms = seed_grant.terms["formats"]["feed"]
    assert feed_terms["footer"] in html
    assert html.startswith('<article class="syndicated-article"')
    # A CMS importing the entry publishes the pixel with it, under PUBLIC_BASE_URL.
    assert feed_terms["tracking_pixel"]
    pixel = f'<img src="{pixels.pixel_url(seed_grant.id)}"'
    assert pixel in snippet and pixel in html
    # The very same snippet: credit, body, footer, link back, pixel.
    assert html == snippet


def test_items_carry_summary_authors_dates_and_categories(
    client, make_partner, make_article, make_grant
):
    published = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    article = make_article(
        headline="Harbour dredging approved",
        dek="The port wins its vote.",
        bylines=["Ana Reyes", "Bo Lind"],
        tags=["ports", "budget"],
        canonical_url="https://news.example/harbour/",
        published_at=published,
    )
    partner = make_partner()
    grant = make_grant(partner, article)
    token = feeds.issue_feed_token(partner)
    revision_time = article.revisions[-1].created_at
    for name in FORMATS:
        (entry,) = _parse(_get(client, name, token=token))["entries"]
        assert entry["title"] == "Harbour dredging approved", name
        assert entry["summary"] == "The port wins its vote.", name
        assert entry["authors"] == ["Ana Reyes", "Bo Lind"], name
        assert sorted(entry["tags"]) == ["budget", "ports"], name
        assert entry["id"] == _uri(grant), name
    atom = feedparser.parse(_get(client, "atom.xml", token=token).data).entries[0]
    assert datetime(*atom.published_parsed[:6], tzinfo=UTC) == published
    assert datetime(*atom.updated_parsed[:6], tzinfo=UTC) == revision_time.replace(microsecond=0)
    rss = feedparser.parse(_get(client, "rss.xml", token=token).data).entries[0]
    assert datetime(*rss.published_parsed[:6], tzinfo=UTC) == published
    item = orjson.loads(_get(client, "feed.json", token=token).data)["items"][0]
    assert item["date_published"] == "2026-03-01T09:30:00Z"
    assert datetime.fromisoformat(item["date_modified"]) == revision_time.replace(microsecond=0)


def test_only_live_grants_newest_first_one_per_article(
    client, make_partner, make_article, make_grant, monkeypatch
):
    partner = make_partner()
    old, expired, revoked, new = (make_grant(partner, make_article()) for _ in range(4))
    expired.valid_from = datetime.now(UTC) - timedelta(days=10)
    expired.valid_until = datetime.now(UTC) - timedelta(days=1)
    revoked.status = GrantStatus.REVOKED
    revoked.revoked_at = datetime.now(UTC)
    db.session.commit()
    token = feeds.issue_feed_token(partner)
    ids = [e["id"] for e in _parse(_get(client, "feed.json", token=token))["entries"]]
    assert ids == [_uri(new), _uri(old)]
    monkeypatch.setattr(feeds, "FEED_LIMIT", 1)
    ids = [e["id"] for e in _parse(_get(client, "atom.xml", token=token))["entries"]]
    assert ids == [_uri(new)]


def test_another_partners_token_shows_only_that_partners_grants(
    client, seed_grant, token, make_partner, make_article, make_grant
):
    other = make_partner(name="Elsewhere Gazette")
    theirs = make_grant(other, make_article(headline="Only for the Gazette"))
    their_token = feeds.issue_feed_token(other)
    for name in FORMATS:
        mine = _get(client, name, token=token)
        entries = _parse(_get(client, name, token=their_token))["entries"]
        assert [e["id"] for e in entries] == [_uri(theirs)], name
        assert seed_grant.licence_id not in _get(client, name, token=their_token).text
        assert theirs.licence_id not in mine.text and "Elsewhere Gazette" not in mine.text


def test_empty_feeds_are_valid(client, make_partner):
    token = feeds.issue_feed_token(make_partner())
    for name in FORMATS:
        response = _get(client, name, token=token)
        assert response.status_code == 200
        assert _parse(response)["entries"] == []
        assert response.headers["Last-Modified"]


# --- caching ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_etag_last_modified_and_conditional_requests(client, seed_grant, token, name):
    response = _get(client, name, token=token)
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert etag and last_modified
    assert "private" in response.headers["Cache-Control"]
    assert _get(client, name, token=token).headers["ETag"] == etag
    again = _get(client, name, token=token, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = _get(client, name, token=token, **{"If-Modified-Since": last_modified})
    assert since.status_code == 304
    earlier = format_datetime(seed_grant.created_at - timedelta(days=1), usegmt=True)
    assert _get(client, name, token=token, **{"If-Modified-Since": earlier}).status_code == 200
    assert _get(client, name, token=token, **{"If-None-Match": '"stale"'}).status_code == 200


def test_a_new_grant_changes_the_etag(client, seed_grant, token, make_article, make_grant):
    before = {name: _get(client, name, token=token).headers["ETag"] for name in FORMATS}
    make_grant(seed_grant.partner, make_article())
    for name in FORMATS:
        response = _get(client, name, token=token, **{"If-None-Match": before[name]})
        assert response.status_code == 200, name
        assert response.headers["ETag"] != before[name]
        assert len(_parse(response)["entries"]) == 2


@pytest.mark.parametrize("name", FORMATS)
def test_an_unchanged_feed_is_answered_from_memory(client, seed_grant, token, name, source_loads):
    first = _get(client, name, token=token)
    source_loads.clear()
    again = _get(client, name, token=token)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    polled = _get(client, name, token=token, **{"If-None-Match": first.headers["ETag"]})
    assert polled.status_code == 304
    assert source_loads == []  # neither the answer nor the 304 read or rendered the items


def test_a_correction_a_rename_and_an_organisation_change_reach_a_remembered_feed(
    client, seed_grant, seed_article, token, correct
):
    first = _get(client, "atom.xml", token=token)
    correct(seed_article, "<p>A corrected body.</p>")
    corrected = _get(client, "atom.xml", token=token, **{"If-None-Match": first.headers["ETag"]})
    assert corrected.status_code == 200
    assert _parse(corrected)["entries"][0]["title"] == "Kuleba and Lavrov: corrected"
    seed_grant.partner.name = "Renamed Gazette"
    db.session.commit()
    assert "Renamed Gazette" in _parse(_get(client, "atom.xml", token=token))["title"]
    org = settings.stored_organisation()
    org.name = "Renamed Newsroom"
    db.session.commit()
    assert _parse(_get(client, "atom.xml", token=token))["title"].startswith("Renamed Newsroom")


def _backdate(grants, hours: int = 1) -> None:
    """Everything the feed is made of happened an hour ago."""
    for grant in grants:
        for stamped in (grant, grant.partner, *grant.article.revisions):
            stamped.created_at -= timedelta(hours=hours)
        grant.valid_from -= timedelta(hours=hours)
    db.session.commit()


def test_revoking_or_expiring_a_grant_moves_last_modified_on(
    client, seed_grant, token, make_article, make_grant
):
    revoked = make_grant(seed_grant.partner, make_article())
    expiring = make_grant(seed_grant.partner, make_article())
    _backdate([seed_grant, revoked, expiring])
    first = _get(client, "rss.xml", token=token).headers["Last-Modified"]
    assert _get(client, "rss.xml", token=token, **{"If-Modified-Since": first}).status_code == 304

    revoked.status = GrantStatus.REVOKED
    revoked.revoked_at = datetime.now(UTC)
    db.session.commit()
    after_revoke = _get(client, "rss.xml", token=token, **{"If-Modified-Since": first})
    assert after_revoke.status_code == 200
    assert len(_parse(after_revoke)["entries"]) == 2
    assert after_revoke.headers["Last-Modified"] != first

    # Only the expiry is newer than the reader's copy now.
    revoked.revoked_at = datetime.now(UTC) - timedelta(hours=2)
    expiring.valid_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    after_expiry = _get(client, "rss.xml", token=token, **{"If-Modified-Since": first})
    assert after_expiry.status_code == 200
    assert len(_parse(after_expiry)["entries"]) == 1


# --- who gets in -----------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_no_credentials_is_401_as_a_problem_not_a_page(client, name):
    response = client.get(f"/feeds/{name}")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json["detail"]
    bad = client.get(f"/feeds/{name}", headers={"Authorization": "Bearer sdk_nope"})
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"


def test_a_logged_in_session_is_not_a_credential(client, auth, seed_grant):
    auth.login("ed@p.example", PASSWORD)
    assert client.get("/feeds/rss.xml").status_code == 401


@pytest.mark.parametrize("name", FORMATS)
def test_revoked_and_replaced_tokens_are_not_found(client, seed_grant, token, name):
    assert _get(client, name, token="sdf_made-up").status_code == 404
    newer = feeds.issue_feed_token(seed_grant.partner)
    gone = _get(client, name, token=token)
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"
    assert _get(client, name, token=newer).status_code == 200
    assert feeds.revoke_feed_token(seed_grant.partner)
    assert _get(client, name, token=newer).status_code == 404


@pytest.mark.parametrize("status", [PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED])
def test_suspended_or_terminated_partners_feeds_are_forbidden(
    client, seed_grant, token, make_api_key, status
):
    _, key = make_api_key(seed_grant.partner)
    seed_grant.partner.status = status
    db.session.commit()
    for name in FORMATS:
        for response in (_get(client, name, token=token), _get(client, name, key=key)):
            assert response.status_code == 403, name
            assert response.mimetype == "application/problem+json"
            assert status.value in response.json["detail"]


def test_feed_token_is_stored_only_as_its_hash(seed_grant):
    partner = seed_grant.partner
    token = feeds.issue_feed_token(partner)
    assert token.startswith("sdf_") and len(token) > 40
    assert partner.feed_token_hash == hash_api_key(token)
    assert feeds.partner_for_feed_token(token) == partner
    assert feeds.partner_for_feed_token("") is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "partners")
    ).all()
    assert "feed_token_issued" in actions


def test_only_approved_partners_get_a_token(make_partner):
    from syndication.services.errors import DomainError

    with pytest.raises(DomainError):
        feeds.issue_feed_token(make_partner(PartnerStatus.SUSPENDED))


# --- the portal page -------------------------------------------------------------------


def _token_in(page: str) -> str | None:
    found = re.search(r"/feeds/(sdf_[A-Za-z0-9_-]+)/rss\.xml", page)
    return found.group(1) if found else None


def test_portal_issues_a_token_shown_once_and_revokes_it(client, auth, seed_grant):
    db.session.scalar(sa.select(User).where(User.email == "ed@p.example")).is_partner_admin = True
    db.session.commit()
    auth.login("ed@p.example", PASSWORD)
    page = client.get("/portal/feeds")
    assert page.status_code == 200
    assert "http://localhost/feeds/rss.xml" in page.text
    assert _token_in(page.text) is None and "no feed token" in page.text

    issued = client.post("/portal/feeds/token")
    # POST, redirect, GET: the token is on the page the redirect leads to, that once.
    assert issued.status_code == 302 and issued.headers["Location"].endswith("/portal/feeds")
    shown = client.get("/portal/feeds")
    assert shown.headers["Cache-Control"] == "no-store"
    first = _token_in(shown.text)
    assert first and f"/feeds/{first}/atom.xml" in shown.text
    assert f"/feeds/{first}/feed.json" in shown.text
    assert _get(client, "rss.xml", token=first).status_code == 200

    later = client.get("/portal/feeds")
    assert first not in later.text and "You have a feed token" in later.text

    # A new token revokes the old one: it asks first, and nothing changes until confirmed.
    asked = client.post("/portal/feeds/token")
    assert asked.status_code == 200 and "Please confirm" in asked.text
    assert _get(client, "rss.xml", token=first).status_code == 200
    client.post("/portal/feeds/token", data={"confirmed": "yes"})
    second = _token_in(client.get("/portal/feeds").text)
    assert second and second != first
    assert _get(client, "rss.xml", token=first).status_code == 404
    assert _get(client, "rss.xml", token=second).status_code == 200

    assert "Please confirm" in client.post("/portal/feeds/token/revoke").text
    revoked = client.post("/portal/feeds/token/revoke", data={"confirmed": "yes"})
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("/portal/feeds")
    assert _get(client, "rss.xml", token=second).status_code == 404
    assert "no feed token" in client.get("/portal/feeds").text


def test_portal_feeds_page_is_linked_from_the_partner_menu(client, auth, seed_grant):
    auth.login("ed@p.example", PASSWORD)
    assert 'href="/portal/feeds"' in client.get("/portal/").text


def test_every_feed_says_the_articles_uri_its_web_page_and_its_language(
    client, make_partner, make_article, make_grant
):
    article = make_article(
        headline="Río crece", canonical_url="https://news.example/rio/", language="es"
    )
    partner = make_partner()
    grant = make_grant(partner, article)
    token = feeds.issue_feed_token(partner)
    ns = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
    atom = lxml.etree.fromstring(_get(client, "atom.xml", token=token).data)
    (entry,) = atom.xpath("//a:entry", namespaces=ns)
    # The id is the article's own URI, never a web address a reader would follow.
    assert entry.xpath("string(a:id)", namespaces=ns) == _uri(grant)
    assert _uri(grant).startswith("tag:")
    assert entry.xpath("a:link[@rel='alternate']/@href", namespaces=ns) == [
        "https://news.example/rio/"
    ]
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    rss = lxml.etree.fromstring(_get(client, "rss.xml", token=token).data)
    assert rss.xpath("string(//item/dc:language)", namespaces=ns) == "es"
    assert rss.xpath("string(//item/guid)") == _uri(grant)
    item = orjson.loads(_get(client, "feed.json", token=token).data)["items"][0]
    assert (item["id"], item["url"], item["language"]) == (
        _uri(grant),
        "https://news.example/rio/",
        "es",
    )
