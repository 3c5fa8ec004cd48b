"""The probe's own payloads (issue 21), each where the probe sent it, on SQLite and PostgreSQL.

The route fuzzer (test_routes_from_the_url_map.py) throws these values at every
route; here each finding is held to the answer it should get: a 4xx with a form
error or problem+json, never a 500 (PostgreSQL refuses a NUL in any text
parameter, so a NUL that reached a query would be a 500 there only).
"""

from __future__ import annotations

import io
import threading
import uuid
import zipfile

import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import Grant, Role
from tests.factories import PASSWORD

NUL = "a\x00b"
HUGE = str(2**63)  # one past PostgreSQL's bigint


@pytest.fixture
def partner_user(make_user, make_partner):
    return make_user(Role.PARTNER, partner=make_partner(), partner_admin=True)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": NUL, "password": NUL}),
        ("/login", {"email": f"editor{NUL}@example.org", "password": PASSWORD}),
        ("/password/forgot", {"email": f"x{NUL}@example.org"}),
        ("/apply", {"name": NUL, "website": f"https://x{NUL}.example", "contact_email": NUL}),
    ],
)
def test_nul_bytes_in_public_forms_are_form_errors(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code in (400, 422), response.status_code
    assert "control character" in response.text or "not valid" in response.text.lower()


@pytest.mark.parametrize(
    "url",
    [
        f"/portal/catalogue?q={NUL}",
        f"/portal/catalogue?section={NUL}",
        f"/portal/requests?status={NUL}",
        f"/feeds/token/{NUL}/rss.xml",
    ],
)
def test_nul_bytes_in_partner_queries_and_paths_are_refused(client, auth, partner_user, url):
    auth.login(partner_user.email)
    assert client.get(url).status_code in (400, 404, 422)


def test_nul_bytes_in_api_queries_and_json_are_problem_json(client, make_partner, make_api_key):
    _, key = make_api_key(make_partner())
    headers = {"Authorization": f"Bearer {key}"}
    for response in (
        client.get(f"/api/v1/articles?q={NUL}", headers=headers),
        client.post("/api/v1/requests", json={"article_ids": [1], "note": NUL}, headers=headers),
        client.put("/api/v1/webhook", json={"url": f"https://x{NUL}.example/"}, headers=headers),
    ):
        assert response.status_code == 400, response.status_code
        assert response.mimetype == "application/problem+json"


def test_nul_bytes_in_staff_forms_are_form_errors(client, auth, make_user, make_article):
    auth.login(make_user(Role.STAFF).email)
    article = make_article()
    for path, data in (
        (f"/staff/articles/{article.id}/revise", {"headline": NUL, "body_html": NUL, "note": NUL}),
        ("/staff/rules/new", {"name": NUL, "footer": NUL}),
        (f"/staff/articles?q={NUL}", None),
    ):
        response = client.post(path, data=data) if data else client.get(path)
        assert response.status_code in (400, 422), (path, response.status_code)


def test_ids_past_bigint_in_forms_and_json_are_refused(
    client, auth, partner_user, make_user, make_api_key
):
    auth.login(partner_user.email)
    answer = client.post("/portal/requests", data={"article_id": HUGE})
    assert answer.status_code in (302, 400, 404), answer.status_code
    assert client.get(f"/portal/grants/{HUGE}").status_code == 404
    assert client.get(f"/portal/catalogue?cursor={HUGE}").status_code == 400
    auth.logout()
    auth.login(make_user(Role.STAFF).email)
    assert client.post("/staff/intake/release", data={"article_id": HUGE}).status_code in (
        302,
        400,
    )
    _, key = make_api_key(partner_user.partner)
    headers = {"Authorization": f"Bearer {key}"}
    api = client.post("/api/v1/requests", json={"article_ids": [2**63]}, headers=headers)
    # Well-formed JSON with a value out of range: 422, the API's answer to invalid values.
    assert api.status_code == 422 and api.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/articles/{HUGE}", headers=headers).status_code == 404
    too_many = client.get(f"/api/v1/grants?limit={HUGE}", headers=headers)
    assert too_many.status_code == 422 and too_many.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/staff/audit", "/staff/partners", "/staff/requests"])
@pytest.mark.parametrize("dates", ["to=9999-12-31", "from=0001-01-01", "from=2026-02-30"])
def test_far_dates_in_staff_filters_are_form_errors(client, auth, make_user, path, dates):
    auth.login(make_user(Role.STAFF).email)
    response = client.get(f"{path}?{dates}")
    assert response.status_code == 422, response.status_code
    assert "invalid-feedback" in response.text


def test_far_dates_in_the_api_are_answered_not_a_server_error(client, make_partner, make_api_key):
    _, key = make_api_key(make_partner())
    response = client.get(
        "/api/v1/changes?updated_since=9999-12-31T00:00:00Z",
        headers={"Authorization": f"Bearer {key}"},
    )
    # Bounded like every date at the door (1900-2200): a problem, never a 500.
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "updated_since" in response.text


def test_a_5000_deep_json_array_is_refused_before_it_is_parsed(client, make_partner, make_api_key):
    _, key = make_api_key(make_partner())
    for body in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000):
        response = client.post(
            "/api/v1/requests",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 400 and "nest" in response.json["detail"]


def test_pixel_urls_in_packages_ignore_the_request_host(
    client, partner_user, make_article, make_grant, make_api_key
):
    grant = make_grant(partner_user.partner, make_article())
    _, key = make_api_key(partner_user.partner)
    response = client.get(
        f"/api/v1/grants/{grant.id}/package",
        headers={"Authorization": f"Bearer {key}", "Host": "evil.example"},
    )
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        html = next(bundle.read(n) for n in bundle.namelist() if n.endswith("article.html"))
    assert b"evil.example" not in response.data and b"http://localhost/px/" in html


def test_applications_are_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "APPLY_RATE_LIMIT", "2 per minute")
    address = {"REMOTE_ADDR": f"198.51.100.{uuid.uuid4().int % 250}"}
    statuses = [
        client.post("/apply", data={"name": "Spam"}, environ_base=address).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [422, 422] and statuses[2] == 429


def test_mixed_concurrent_writes_wait_their_turn_and_none_fails(separate_app):
    """The probe's mixed load: request writes beside login writes, all at once, no 5xx."""
    from tests.services.test_request_races import _partner_and_article

    keyed = [_partner_and_article(separate_app) for _ in range(3)]
    jobs = []
    for secret, article_id in keyed:
        jobs += [("request", secret, article_id)] * 5
    jobs += [("login", f"racer-{n}@example.org", 0) for n in range(15)]
    barrier = threading.Barrier(len(jobs))
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def run(kind: str, credential: str, article_id: int) -> None:
        client = separate_app.test_client()
        barrier.wait()
        if kind == "request":
            response = client.post(
                "/api/v1/requests",
                json={"article_ids": [article_id]},
                headers={"Authorization": f"Bearer {credential}"},
            )
        else:
            response = client.post("/login", data={"email": credential, "password": "wrong"})
        with lock:
            statuses.append((kind, response.status_code))

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 30
    assert sorted({s for k, s in statuses if k == "request"}) == [201]
    assert sorted({s for k, s in statuses if k == "login"}) == [422]
    with separate_app.app_context():
        grants = db.session.scalars(
            sa.select(Grant).where(Grant.article_id.in_([a for _, a in keyed]))
        ).all()
        assert len(grants) == 3


@pytest.fixture
def strict_outbound(app):
    """Production's rule: loopback refused like any private address (the suite allows it)."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    app.extensions.pop("syndication.outbound", None)
    yield
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = True
    app.extensions.pop("syndication.outbound", None)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/hook",
        "https://0x7f000001/hook",
        "https://2130706433/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://localhost/hook",
    ],
)
def test_webhook_urls_of_private_and_metadata_addresses_are_refused(
    client, make_partner, make_api_key, strict_outbound, url
):
    partner = make_partner()
    _, key = make_api_key(partner)
    response = client.put(
        "/api/v1/webhook", json={"url": url}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    db.session.refresh(partner)
    assert partner.webhook_url is None


def test_an_upload_over_the_size_limit_is_refused_not_a_server_error(app, client, auth, make_user):
    auth.login(make_user(Role.STAFF).email)
    too_big = b"<rss>" + b" " * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/staff/articles/import",
        data={"file": (io.BytesIO(too_big), "huge.xml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
