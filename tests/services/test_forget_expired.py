"""The hourly clean-up forgets old login throttles, ended sessions and used codes (issue 21)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import LoginSession, LoginThrottle, RecoveryCode, Role
from syndication.models.base import utcnow
from syndication.services import logins, sessions, two_factor
from tests.factories import PASSWORD


def _throttle_keys() -> set[str]:
    return set(db.session.scalars(sa.select(LoginThrottle.key)))


def test_throttles_are_forgotten_once_their_window_and_lock_are_over(app, make_user):
    user = make_user(Role.STAFF)
    start = utcnow()
    logins.check_password("nobody@example.org", "wrong", now=start)
    for _ in range(app.config["LOGIN_ACCOUNT_FAILURES"]):
        logins.check_password(user.email, "wrong", now=start)
    assert {"email:nobody@example.org", f"email:{user.email}"} <= _throttle_keys()
    window = timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"])

    # Within the window nothing goes, and the lock still holds.
    assert logins.forget_expired(now=start + window / 2)["login_throttles"] == 0
    assert logins.check_password(user.email, PASSWORD, now=start + window / 2).error
    # Past the window and the lock, both rows go, and the account opens.
    assert logins.forget_expired(now=start + window + timedelta(seconds=1))["login_throttles"] == 2
    assert not {"email:nobody@example.org", f"email:{user.email}"} & _throttle_keys()
    assert logins.check_password(user.email, PASSWORD).user is not None


def test_ended_and_idle_sessions_are_forgotten_a_week_later_and_live_ones_kept(make_user):
    user = make_user(Role.STAFF)
    now = utcnow()
    ended_key = sessions.start(user)
    live_key = sessions.start(user)
    idle_key = sessions.start(user)
    user.login_key = ended_key
    sessions.end_current(user)
    idle = db.session.scalar(
        sa.select(LoginSession).where(LoginSession.key_hash == sessions._hash(idle_key))
    )
    idle.last_seen_at = now - sessions.IDLE_LIMIT - timedelta(days=8)
    db.session.commit()

    assert logins.forget_expired(now=now + timedelta(days=6))["login_sessions"] == 1  # idle
    removed = logins.forget_expired(now=now + timedelta(days=8))
    assert removed["login_sessions"] == 1  # the ended one
    left = set(
        db.session.scalars(sa.select(LoginSession.key_hash).where(LoginSession.user_id == user.id))
    )
    assert left == {sessions._hash(live_key)}
    # A cookie naming a forgotten session stays refused.
    assert sessions.session_user(f"{user.id}:{user.session_version}:{ended_key}") is None
    assert sessions.session_user(f"{user.id}:{user.session_version}:{live_key}") is not None


def test_used_recovery_codes_are_forgotten_and_unused_ones_kept(make_user):
    user = make_user(Role.STAFF)
    codes = two_factor.regenerate_codes(user)
    used_at = utcnow()
    assert two_factor.verify(user, codes[0], now=used_at) == "recovery"
    assert logins.forget_expired(now=used_at + timedelta(days=6))["recovery_codes"] == 0
    assert logins.forget_expired(now=used_at + timedelta(days=8))["recovery_codes"] == 1
    count = (
        sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )
    assert db.session.scalar(count) == len(codes) - 1 == two_factor.remaining_codes(user)
    assert two_factor.verify(user, codes[0]) is None  # still used up
    assert two_factor.verify(user, codes[1]) == "recovery"


def test_the_clean_up_runs_hourly_on_every_worker_and_keeps_what_still_guards(app, make_user):
    task = app.extensions["huey.tasks"]["forget_expired_logins"]
    assert task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 23))
    assert not task.task_class().validate_datetime(datetime(2026, 12, 7, 3, 24))
    user = make_user(Role.STAFF)
    key = sessions.start(user)
    logins.check_password(user.email, "wrong")
    task.call_local()  # as a worker runs it, now
    assert f"email:{user.email}" in _throttle_keys()
    assert sessions.session_user(f"{user.id}:{user.session_version}:{key}") is not None
