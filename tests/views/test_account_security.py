"""Accounts as a licensing portal needs them, with the probe's own payloads (issue 21)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from syndication import security
from syndication.extensions import db
from syndication.models import AuditEvent, PartnerStatus, Role
from syndication.models.base import utcnow
from syndication.services import logins, partners, two_factor
from tests.factories import PASSWORD, current_step, totp_code


def _events(user, action: str) -> int:
    return db.session.query(AuditEvent).filter_by(object_id=user.id, action=action).count()


def _cookies(client) -> dict[str, str]:
    return {
        name: cookie.value
        for name in ("session", "remember_token")
        if (cookie := client.get_cookie(name)) is not None
    }


def _replay(app, cookies: dict[str, str]):
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_logout_ends_the_session_and_its_remember_cookie_for_good(app, client, auth, make_user):
    user = make_user(Role.STAFF)
    auth.login(user.email, remember="y")
    stolen = _cookies(client)
    assert set(stolen) == {"session", "remember_token"}
    assert _replay(app, stolen).get("/staff/").status_code == 200
    auth.logout()
    assert _replay(app, stolen).get("/staff/").status_code == 302
    assert (
        _replay(app, {"remember_token": stolen["remember_token"]}).get("/staff/").status_code == 302
    )


def test_password_change_ends_every_other_session(app, client, auth, make_user, make_partner):
    user = make_user(Role.PARTNER, partner=make_partner())
    auth.login(user.email)
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(user.email)
    response = client.post(
        "/portal/account",
        data={
            "current": PASSWORD,
            "password": "a brand new secret",
            "confirm": "a brand new secret",
        },
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert other.get("/portal/").status_code == 302


def test_an_unknown_account_costs_a_password_hash_too(auth):
    security.configure(fast=True)  # forget the dummy hash, so this test sees it made
    assert security._dummy_hash is None
    response = auth.login("nobody@example.org", "whatever it is")
    assert response.status_code == 422
    assert security._dummy_hash is not None


def test_five_failures_lock_the_account_tell_the_user_and_email_the_owner(auth, make_user, mailbox):
    user = make_user(Role.PARTNER, partner=_partner())
    for _ in range(4):
        assert "do not match" in auth.login(user.email, "wrong guess").text
    locked = auth.login(user.email, "wrong guess")
    assert "locked for 15 more minutes" in locked.text
    # Even the right password waits for the lock to end.
    assert "locked" in auth.login(user.email).text
    assert "locked" in mailbox.to(user.email)[-1]["Subject"]
    assert _events(user, "login_failed") == 5
    assert _events(user, "account_locked") == 1
    later = utcnow() + timedelta(minutes=16)
    assert logins.check_password(user.email, PASSWORD, now=later).user is not None


def test_unknown_addresses_lock_the_same_way(auth):
    for _ in range(5):
        auth.login("nobody@example.org", "guess")
    assert "locked" in auth.login("nobody@example.org", "guess").text


def test_a_suspended_partner_is_refused_with_the_reason(
    auth, make_user, make_partner, make_user_admin
):
    partner = make_partner()
    user = make_user(Role.PARTNER, partner=partner)
    partners.decide(
        partner.id,
        "suspend",
        actor=make_user_admin,
        expected_version=partner.version,
        reason="Copies ran without our footer",
    )
    response = auth.login(user.email)
    assert response.status_code == 422
    assert "is suspended" in response.text and "Copies ran without our footer" in response.text


def test_password_reset_link_works_once_and_ends_other_sessions(
    app, client, auth, make_user, mailbox
):
    user = make_user(Role.PARTNER, partner=_partner())
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(user.email)
    # The Host a request claims never reaches the emailed link.
    client.post("/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"})
    body = mailbox.to(user.email)[-1].get_body(("plain",)).get_content()
    link = re.search(r"http\S+/password/reset/\S+", body).group(0)
    assert link.startswith("http://localhost/")
    path = link.removeprefix("http://localhost")
    new = {"password": "another long secret", "confirm": "another long secret"}
    assert client.post(path, data=new).status_code == 302
    assert other.get("/portal/").status_code == 302
    assert client.post(path, data=new).status_code == 410
    assert auth.login(user.email, "another long secret").status_code == 302
    assert _events(user, "password_reset") == 1


def test_reset_links_expire(app, client, make_user, monkeypatch):
    user = make_user(Role.PARTNER, partner=_partner())
    from syndication.services import tokens

    token = tokens.reset_token(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    assert "expired" in client.get(f"/password/reset/{token}").text


def test_staff_must_set_up_a_second_factor_at_first_login(client, make_user):
    user = make_user(Role.STAFF, two_factor=False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.location.endswith("/login/enrol")
    assert client.get("/staff/").status_code == 302  # not logged in yet
    page = client.get("/login/enrol").text
    secret = re.search(r"Key: <code>([A-Z2-7]+)</code>", page).group(1)
    import pyotp

    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    # The codes are on the page the redirect leads to, once; from there, where it was going.
    assert done.status_code == 302 and "/account/two-factor" in done.location
    shown = client.get(done.location)
    assert "recovery codes" in shown.text and 'href="/staff/"' in shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    assert "Your recovery codes" not in client.get(done.location).text
    assert client.get("/staff/").status_code == 200
    db.session.refresh(user)
    assert user.has_two_factor and _events(user, "two_factor_enabled") == 1


def test_a_code_works_once_and_a_recovery_code_stands_in_for_it(app, client, make_user):
    user = make_user(Role.STAFF)
    step = current_step(user)
    assert client.post(
        "/login", data={"email": user.email, "password": PASSWORD}
    ).location.endswith("/login/code")
    assert client.post("/login/code", data={"code": totp_code(user, step)}).status_code == 302
    again = app.test_client()
    again.post("/login", data={"email": user.email, "password": PASSWORD})
    replay = again.post("/login/code", data={"code": totp_code(user, step)})
    assert replay.status_code == 422 and "not right" in replay.text
    codes = two_factor.regenerate_codes(user)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 302
    third = app.test_client()
    third.post("/login", data={"email": user.email, "password": PASSWORD})
    assert third.post("/login/code", data={"code": codes[0]}).status_code == 422


def test_the_second_factor_secret_is_stored_encrypted(make_user):
    from syndication.services import two_factor

    user = make_user(Role.STAFF)
    stored = db.session.scalar(
        sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}
    )
    secret = two_factor.secret_of(user)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret not in stored and stored.startswith("gAAAAA")
    assert two_factor.verify(user, totp_code(user, current_step(user))) == "totp"


def test_the_migration_encrypts_secrets_stored_in_clear_and_the_codes_still_work(make_user):
    from syndication.services import two_factor
    from tests.test_migrations import _migration

    user = make_user(Role.STAFF)
    secret = two_factor.secret_of(user)
    # What revision 0011 stored: the secret in clear.
    db.session.execute(
        sa.text("UPDATE users SET totp_secret = :s WHERE id = :id"), {"s": secret, "id": user.id}
    )
    migration = _migration("0050_security")
    assert migration.seal_secrets(db.session.connection()) >= 1
    db.session.commit()
    db.session.refresh(user)
    assert user.totp_secret != secret and two_factor.secret_of(user) == secret
    assert two_factor.verify(user, totp_code(user, current_step(user))) == "totp"
    # Running it again seals nothing twice; the downgrade opens them again.
    migration.seal_secrets(db.session.connection())
    db.session.refresh(user)
    assert two_factor.secret_of(user) == secret
    migration.open_secrets(db.session.connection())
    db.session.refresh(user)
    assert user.totp_secret == secret


def test_partners_may_turn_on_a_second_factor(client, auth, make_user):
    user = make_user(Role.PARTNER, partner=_partner())
    auth.login(user.email)
    page = client.get("/account/two-factor").text
    secret = re.search(r"Key: <code>([A-Z2-7]+)</code>", page).group(1)
    import pyotp

    step = pyotp.TOTP(secret).timecode(utcnow()) - 1
    on = client.post(
        "/account/two-factor",
        data={"action": "enable", "code": pyotp.TOTP(secret).generate_otp(step)},
    )
    assert on.status_code == 302
    shown = client.get(on.location).text
    codes = re.findall(r"<li><code>([^<]+)</code></li>", shown)
    assert len(codes) == 10 and "Your recovery codes" in shown
    assert "Your recovery codes" not in client.get("/account/two-factor").text
    db.session.refresh(user)
    assert two_factor.verify(user, codes[0]) == "recovery"
    auth.logout()
    assert client.post(
        "/login", data={"email": user.email, "password": PASSWORD}
    ).location.endswith("/login/code")


def test_your_sessions_lists_each_browser_and_logs_out_one_or_all(app, client, auth, make_user):
    user = make_user(Role.PARTNER, partner=_partner())
    auth.login(user.email)
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(user.email)
    page = client.get("/account/sessions")
    assert "Your sessions" in page.text and page.text.count("this browser") == 1
    other_id = re.search(r"/account/sessions/(\d+)/end", page.text).group(1)
    # Each asks first; nothing happens until the answer.
    asked = client.post(f"/account/sessions/{other_id}/end")
    assert asked.status_code == 200 and "Please confirm" in asked.text
    assert other.get("/portal/").status_code == 200
    ended = client.post(f"/account/sessions/{other_id}/end", data={"confirmed": "yes"})
    assert ended.status_code == 302
    assert other.get("/portal/").status_code == 302
    assert client.get("/portal/").status_code == 200
    assert "Please confirm" in client.post("/account/sessions/end-all").text
    assert client.get("/portal/").status_code == 200
    everywhere = client.post("/account/sessions/end-all", data={"confirmed": "yes"})
    assert everywhere.status_code == 302
    assert client.get("/portal/").status_code == 302
    assert _events(user, "logged_out_everywhere") == 1


def test_the_csrf_token_does_not_survive_login(client, make_user):
    user = make_user(Role.PARTNER, partner=_partner())
    with client.session_transaction() as session:
        session["csrf_token"] = "planted-before-login"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert session.get("csrf_token") != "planted-before-login"


def test_guesses_at_the_current_password_are_limited(app, client, auth, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "CURRENT_PASSWORD_RATE_LIMIT", "2 per minute")
    user = make_user(Role.PARTNER, partner=_partner())
    auth.login(user.email)
    wrong = {"current": "guess", "password": "long enough pw", "confirm": "long enough pw"}
    assert [client.post("/portal/account", data=wrong).status_code for _ in range(3)] == [
        422,
        422,
        429,
    ]


@pytest.fixture
def make_user_admin(make_user):
    return make_user(Role.ADMIN)


_partner_factory = None


@pytest.fixture(autouse=True)
def _remember_partner_factory(make_partner):
    global _partner_factory
    _partner_factory = make_partner


def _partner():
    return _partner_factory(status=PartnerStatus.APPROVED)


def test_a_busy_database_never_fails_a_read_for_want_of_marking_the_session_seen(separate_app):
    """The five-minutely last_seen_at write is skipped while another transaction holds the
    lock (SQLite: the write lock; PostgreSQL: the session's row), and made by a later read."""
    import uuid

    from syndication.models import LoginSession, Partner
    from syndication.services import sessions, users
    from tests.services.test_request_races import committed_partner_and_article

    partner_id, _ = committed_partner_and_article(separate_app, headline="Seen")
    email = f"ed-{uuid.uuid4().hex[:8]}@seen.example"
    with separate_app.app_context():
        partner = db.session.get(Partner, partner_id)
        users.create_user(email, Role.PARTNER, password=PASSWORD, partner=partner)
        db.session.commit()
    client = separate_app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    with separate_app.app_context():
        user_id = users.find_by_email(email).id
        row = db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user_id))
        long_ago = utcnow() - sessions.SEEN_EVERY - timedelta(minutes=1)
        row.last_seen_at = long_ago
        db.session.commit()
        row_id, engine = row.id, db.engine

    def last_seen():
        with separate_app.app_context():
            return db.session.get(LoginSession, row_id).last_seen_at

    # Another transaction writes and holds on: SQLite's one write lock, PostgreSQL's row lock.
    with engine.connect().execution_options(sqlite_begin_immediate=True) as other:
        other.begin()
        other.execute(
            sa.update(LoginSession).where(LoginSession.id == row_id).values(user_agent="other")
        )
        page = client.get("/portal/")
        assert page.status_code == 200 and "Log out" in page.text
        other.rollback()
    assert last_seen() == long_ago  # skipped, not waited for
    assert client.get("/portal/").status_code == 200
    assert last_seen() > long_ago  # the next read wrote it
