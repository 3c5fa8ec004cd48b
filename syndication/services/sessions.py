"""Login sessions: each logged-in browser is a row the user can see and end.

A browser's session cookie (and its remember cookie) carries the user id, the
user's session version and the login session's random key. A request is
logged in while all three hold: the version (bumped by a password change, a
reset, suspension or *log out everywhere*), the login session (ended by
logging out in that browser or from *Your sessions*) and the user's standing
(``users.live_session_conditions``). So a cookie copied before a logout never
works again, whichever cookie it is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from syndication.extensions import db, lock_wait
from syndication.models import LoginSession, Partner, User
from syndication.models.base import utcnow
from syndication.services import audit
from syndication.services.errors import NotFound
from syndication.services.users import live_session_conditions, parse_session_id

# A session unused this long ends by itself, remember cookie or not.
IDLE_LIMIT = timedelta(days=30)
# last_seen_at is written at most this often: a logged-in page view is not a write.
SEEN_EVERY = timedelta(minutes=5)
# ... and waits at most this long for another writer: else it is left for a later request.
SEEN_WAIT_MS = 200

_sessions = LoginSession.__table__


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, *, user_agent: str = "", ip_address: str = "") -> str:
    """Open a login session for ``user`` and return its key (commits)."""
    key = secrets.token_urlsafe(24)
    now = utcnow()
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=_hash(key),
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:300],
            ip_address=ip_address[:64],
        )
    )
    db.session.commit()
    user.login_key = key
    return key


def live_session_where(users: sa.Table, partners: sa.Table) -> tuple[sa.ColumnElement, ...]:
    """WHERE conditions under which a login session and its user are live.

    For a select over ``users`` (with ``partners`` joined on the user's
    partner) and ``login_sessions``, with the bound parameters of
    ``session_params``. Every check of a login session uses these, the
    session's user as much as a download that checks its credential in the
    same statement as its grant (services.downloads), so they cannot drift apart.
    """
    return (
        *live_session_conditions(users, partners),
        _sessions.c.user_id == users.c.id,
        _sessions.c.key_hash == sa.bindparam("key_hash"),
        _sessions.c.ended_at.is_(None),
        _sessions.c.last_seen_at > sa.bindparam("idle_since"),
    )


def session_params(
    session_id: str, *, now: datetime, seen_within: timedelta = IDLE_LIMIT
) -> dict | None:
    """The bound parameters of live_session_where for a session id; None if it cannot be one.

    ``seen_within`` narrower than IDLE_LIMIT (SEEN_EVERY) also asks that the
    session was seen lately enough for nothing to be written about it now.
    """
    identity = parse_session_id(session_id)
    if identity is None or not identity[2]:
        return None
    user_id, version, key = identity
    return {
        "user_id": user_id,
        "version": version,
        "key_hash": _hash(key),
        "idle_since": now - seen_within,
    }


# The session's user in one statement, built once: this runs on every logged-in
# request. The partner itself is loaded only if a page uses it.
_SESSION_USER = (
    sa.select(User, _sessions.c.id, _sessions.c.last_seen_at)
    .select_from(User)
    .outerjoin(Partner.__table__, Partner.__table__.c.id == User.__table__.c.partner_id)
    .join(_sessions, _sessions.c.user_id == User.__table__.c.id)
    .where(*live_session_where(User.__table__, Partner.__table__))
)


def session_user(session_id: str, *, now: datetime | None = None) -> User | None:
    """The user a login session names, while the session and the user's standing hold."""
    now = now or utcnow()
    params = session_params(session_id, now=now)
    if params is None:
        return None
    row = db.session.execute(_SESSION_USER, params).first()
    if row is None:
        return None
    user, session_row_id, last_seen = row
    if last_seen < now - SEEN_EVERY:
        _note_seen(session_row_id, now)
    user.login_key = parse_session_id(session_id)[2]
    return user


def _note_seen(session_row_id: int, now: datetime) -> None:
    """Write when the session was last seen: best effort, in a short transaction of its own.

    It runs inside read requests, so it never fails one: another writer holding the
    lock longer than SEEN_WAIT_MS (SQLite has one writer at a time) means it is skipped,
    and a later request writes it. The read so far is ended first, so on SQLite the
    UPDATE opens its transaction and waits its turn instead of being refused for a
    write made since that read began.
    """
    session = db.session()
    session.commit()  # only the user was read: the user loader runs before the view
    try:
        connection = session.connection()
        with lock_wait(connection, SEEN_WAIT_MS):
            connection.execute(
                sa.update(_sessions)
                .where(_sessions.c.id == session_row_id)
                .values(last_seen_at=now)
            )
        session.commit()
    except sa.exc.OperationalError as exc:
        session.rollback()
        current_app.logger.info("Login session %s not marked seen: %s", session_row_id, exc.orig)


def end_current(user: User) -> None:
    """Log out this browser: its login session ends, and with it every copy of its cookies."""
    if user.login_key:
        db.session.execute(
            sa.update(_sessions)
            .where(_sessions.c.key_hash == _hash(user.login_key), _sessions.c.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        db.session.commit()


def end_all(user: User, *, actor: User | None = None, reason: str = "") -> None:
    """End every session of ``user`` (the caller commits): the version moves on too."""
    user.session_version += 1
    db.session.execute(
        sa.update(_sessions)
        .where(_sessions.c.user_id == user.id, _sessions.c.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if actor is not None:
        audit.record(actor, "logged_out_everywhere", user, reason=reason)


def log_out_everywhere(user: User) -> None:
    """The user's own *log out everywhere*: every session ends, this one too."""
    end_all(user, actor=user)
    db.session.commit()


def live(user: User) -> list[LoginSession]:
    """The user's open sessions, most recently used first."""
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at > utcnow() - IDLE_LIMIT,
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def is_current(user: User, login_session: LoginSession) -> bool:
    return bool(user.login_key) and login_session.key_hash == _hash(user.login_key or "")


def end_one(user: User, session_id: int) -> None:
    """End one of the user's own sessions (another browser); NotFound for anyone else's."""
    row = db.session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise NotFound("No such session.")
    row.ended_at = utcnow()
    audit.record(user, "session_ended", user, session=row.id, user_agent=row.user_agent)
    db.session.commit()
