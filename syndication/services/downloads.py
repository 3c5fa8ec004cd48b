"""Package downloads: one path for the portal, the API and signed links.

Partners' systems fetch the same packages again and again. Each worker
remembers, per grant, format and URL root, the package it served together
with the *fingerprint* of everything that package is built from:

* the article's ``content_version``, which any change to the article, its
  revisions, assets or tags bumps (see ``models.articles``);
* the grant's licence id and terms hash, frozen when it was issued;
* the partner's name and ninjs profile, and the organisation's details, read
  as they are now;
* the URL root the tracking pixel's address is made from (part of the key).

Every download reads the grant with that fingerprint in one statement and
decides with ``packages.check_usable``, the one place that says whether a
grant may be used now. The fingerprint is then compared with the remembered
one, as the feeds compare theirs: equal, and the remembered bytes are the
answer; different, and the package is built (or re-read) anew and
remembered. Either way the download is logged before it is answered.

A remembered package is served with one statement: an INSERT of the
downloads row that SELECTs from the grant only while the grant may be used
now (``packages.usable_now_where``) and its fingerprint is still the
remembered one (and, for the portal, while the login session is live:
``sessions.live_session_where``). A row written means all of that held at
that moment, so revocation is immediate; no row, and the full path above
decides (and says why it refuses). Nothing the worker remembers is trusted
without the database.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import Flask

from syndication.extensions import db
from syndication.models import (
    Article,
    Download,
    Grant,
    LoginSession,
    OrganisationSettings,
    Partner,
    User,
)
from syndication.models.base import utcnow
from syndication.services import package_sources, packages, sessions, worker_memory
from syndication.services.errors import NotFound
from syndication.services.package_sources import (
    GRANT_STATE_COLUMNS,
    ORGANISATION_COLUMNS,
    grant_state,
)
from syndication.services.packages import Built
from syndication.services.worker_memory import WorkerMemory

# Megabytes of package bytes one worker keeps; the files stay on disk regardless.
DEFAULT_MEMORY_MB = 64

_partners, _grants = Partner.__table__, Grant.__table__
_articles, _org = Article.__table__, OrganisationSettings.__table__
_users, _login_sessions = User.__table__, LoginSession.__table__
_downloads = Download.__table__

# The grant of a partner whose credential (a session, an API key, a signed link)
# was checked already: what decides the download and fingerprints its package.
# Built once with bound parameters, so SQLAlchemy reuses its compiled form.
_GRANT = (
    sa.select(
        *GRANT_STATE_COLUMNS,  # with the licence id and partner name
        _grants.c.terms_hash,
        _articles.c.content_version,
        *ORGANISATION_COLUMNS,
    )
    .select_from(_grants)
    .join(_partners, _partners.c.id == _grants.c.partner_id)
    .join(_articles, _articles.c.id == _grants.c.article_id)
    .outerjoin(_org, _org.c.id == 1)
    .where(
        _grants.c.id == sa.bindparam("grant_id"),
        _grants.c.partner_id == sa.bindparam("partner_id"),
    )
)

# Everything a package is built from, as columns of _GRANT (see the module
# docstring); the grant's id, the format and the URL root are the memory's key.
_FINGERPRINT = (
    "licence_id",
    "terms_hash",
    "content_version",
    "partner_name",
    "ninjs_version",
    "org_name",
    "org_url",
    "org_email",
)


def _fingerprint_holds() -> tuple[sa.ColumnElement, ...]:
    """Each fingerprint column equal to its remembered value (``fp_<name>``), NULL to NULL."""
    return tuple(
        column.is_not_distinct_from(sa.bindparam(f"fp_{name}", type_=column.type))
        for name, column in ((name, _GRANT.selected_columns[name]) for name in _FINGERPRINT)
    )


def typed(name: str, column: sa.Column, dialect: str) -> sa.ColumnElement:
    """A bound parameter to SELECT into ``column``."""
    value = sa.bindparam(name, type_=column.type)
    # PostgreSQL cannot infer a SELECT list parameter's type (NULL above all); a
    # CAST in SQLite would apply its own affinity (a DATETIME text becomes a number).
    return sa.cast(value, column.type) if dialect == "postgresql" else value


def logged_insert(
    from_: sa.FromClause,
    where: list[sa.ColumnElement],
    who: tuple[sa.ColumnElement, sa.ColumnElement, sa.ColumnElement],
    dialect: str,
) -> sa.Insert:
    """INSERT one downloads row SELECTed from ``from_`` only while ``where`` holds.

    ``who`` are the row's grant, partner and user ids (columns of ``from_`` or
    ``typed`` parameters); the key, the package's hash, format and size and the
    time are parameters. The statement returns the row's id: a driver's
    rowcount for an INSERT … SELECT is not to be relied on.
    """
    if dialect == "postgresql":
        # The row does not wait for the disk, as packages.begin_logging's rows do
        # not: set for this statement's own transaction, in the same round trip.
        unhurried = sa.select(
            sa.func.set_config("synchronous_commit", "off", True).label("setting")
        ).subquery("unhurried")
        from_ = from_.join(unhurried, sa.true())
    row = sa.select(
        *who,
        typed("api_key_id", _downloads.c.api_key_id, dialect),
        *(
            typed(name, _downloads.c[name], dialect)
            for name in ("package_hash", "format", "size", "created_at")
        ),
    )
    return sa.insert(_downloads).from_select(
        ["grant_id", "partner_id", "user_id", "api_key_id", "package_hash", "format", "size",
         "created_at"],
        row.select_from(from_).where(*where),
        include_defaults=False,
    ).returning(_downloads.c.id)  # fmt: skip


def _log_if_unchanged(dialect: str, *, session: bool) -> sa.Insert:
    """The downloads row, SELECTed from the grant only while serving it from memory holds.

    ``session``: the credential is a login session, checked here too, and the
    row names its user; else the caller checked the credential (an API key, a
    signed link) and the parameters name the partner, user and key.
    """
    from_ = (
        _grants.join(_partners, _partners.c.id == _grants.c.partner_id)
        .join(_articles, _articles.c.id == _grants.c.article_id)
        .outerjoin(_org, _org.c.id == 1)
    )
    where = [
        _grants.c.id == sa.bindparam("grant_id"),
        *packages.usable_now_where(_grants, _partners),
        *_fingerprint_holds(),
    ]
    if session:
        from_ = from_.join(_users, _users.c.partner_id == _grants.c.partner_id).join(
            _login_sessions, _login_sessions.c.user_id == _users.c.id
        )
        where += sessions.live_session_where(_users, _partners)
        user_id = _users.c.id
    else:
        where.append(_grants.c.partner_id == sa.bindparam("partner_id"))
        user_id = typed("user_id", _downloads.c.user_id, dialect)
    return logged_insert(from_, where, (_grants.c.id, _grants.c.partner_id, user_id), dialect)


# Built once per database and credential: SQLAlchemy reuses each one's compiled form.
_LOGGED_STATEMENTS: dict[tuple[str, bool], sa.Insert] = {}


def _log_if_remembered(session: bool, params: dict) -> bool:
    key = (db.engine.dialect.name, session)
    statement = _LOGGED_STATEMENTS.get(key)
    if statement is None:
        statement = _LOGGED_STATEMENTS[key] = _log_if_unchanged(key[0], session=session)
    return log_if(statement, params)


def log_if(statement: sa.Insert, params: dict) -> bool:
    """Run one check-and-log statement (``logged_insert``); True when it wrote the row.

    When nothing was read in this request yet (the portal's cached download),
    the statement runs on its own, autocommitted: no BEGIN or COMMIT to wait
    for. Otherwise (an API key was checked, or the session joins an outer
    transaction) the row joins the session's transaction and is committed with it.
    """
    bind = db.session.get_bind()
    if isinstance(bind, sa.Engine) and not db.session().in_transaction():
        autocommit = (
            {"sqlite_autocommit": True}  # see extensions._sqlite_begin
            if bind.dialect.name == "sqlite"
            else {"isolation_level": "AUTOCOMMIT"}
        )
        with bind.connect().execution_options(**autocommit) as connection:
            return connection.execute(statement, params).first() is not None
    try:
        connection = packages.begin_logging(unhurried=False)
        written = connection.execute(statement, params).first() is not None
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return written


def _remembered_params(
    entry: Remembered, grant_id: int, fmt: str, now: datetime, **who: int | None
) -> dict:
    return {
        "grant_id": grant_id,
        "now": now,
        "created_at": now,
        "api_key_id": None,
        **who,
        **packages.what_was_served(entry.built, fmt),
        **{f"fp_{n}": value for n, value in zip(_FINGERPRINT, entry.fingerprint, strict=True)},
    }


class Remembered(NamedTuple):
    """A served package and the fingerprint of what it was built from."""

    fingerprint: tuple[Any, ...]
    built: Built


def _size_of(entry: Remembered) -> int:
    return len(entry.built.data)


def memory_of(app: Flask) -> WorkerMemory[Remembered]:
    """The app's remembered packages in this worker, PACKAGE_MEMORY_MB in size."""
    megabytes = app.config.get("PACKAGE_MEMORY_MB", DEFAULT_MEMORY_MB)
    return worker_memory.memory_of(app, "package_memory", megabytes=megabytes, size_of=_size_of)


def download(
    partner_id: int,
    grant_id: int,
    fmt: str,
    *,
    user_id: int | None = None,
    api_key_id: int | None = None,
    url_root: Hashable,
    remembered: WorkerMemory[Remembered],
) -> Built:
    """The grant's package (or one file) for a partner whose credential was checked; logged.

    ``user_id`` is the person downloading, ``api_key_id`` the key a system
    used; a signed link has neither. Raises a DomainError for an unknown
    format, NotFound for a grant that is not this partner's, and the refusals
    of ``packages.check_usable`` for one that may not be used now.
    """
    packages.check_format(fmt)
    key = (grant_id, fmt, url_root)
    entry = remembered.get(key)
    if entry is not None:
        now = utcnow()
        who = {"partner_id": partner_id, "user_id": user_id, "api_key_id": api_key_id}
        if _log_if_remembered(False, _remembered_params(entry, grant_id, fmt, now, **who)):
            return entry.built
    try:
        row = db.session.execute(_GRANT, {"grant_id": grant_id, "partner_id": partner_id}).first()
        if row is None:
            raise NotFound("No such grant.")
        packages.check_usable(grant_state(row))
        fingerprint = tuple(getattr(row, name) for name in _FINGERPRINT)
        if entry is not None and entry.fingerprint == fingerprint:
            built = entry.built
        else:
            # Checked above: the full input is all that is missing.
            source = package_sources.for_grants([grant_id], partner_id)[grant_id]
            built = packages.build(source, fmt)
            remembered.put(key, Remembered(fingerprint, built))
        packages.log_downloads(
            [
                packages.log_entry(
                    built, grant_id, partner_id, fmt, user_id=user_id, api_key_id=api_key_id
                )
            ]
        )
    except BaseException:
        db.session.rollback()
        raise
    return built


def remembered_for_session(
    session_id: str,
    grant_id: int,
    fmt: str,
    *,
    url_root: Hashable,
    remembered: WorkerMemory[Remembered],
) -> Built | None:
    """The remembered package, logged, for a login session: one statement, no user loaded.

    ``session_id`` is the id Flask-Login keeps in the session cookie. The
    statement checks the login session as loading its user would
    (``sessions.live_session_where``), and one seen within SEEN_EVERY, so
    there is nothing to write about it. None whenever anything is left to
    decide, refuse or write: then the caller takes the full path (the user
    loaded, ``download``), which answers as it always did.
    """
    entry = remembered.get((grant_id, fmt, url_root)) if fmt in packages.DOWNLOAD_FORMATS else None
    if entry is None:
        return None
    now = utcnow()
    session = sessions.session_params(session_id, now=now, seen_within=sessions.SEEN_EVERY)
    if session is None:
        return None
    params = _remembered_params(entry, grant_id, fmt, now, **session)
    return entry.built if _log_if_remembered(True, params) else None
