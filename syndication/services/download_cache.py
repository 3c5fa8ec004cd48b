"""Cached downloads: who may have which stored package, answered with one statement.

Partners' systems fetch the same packages again and again. Proving that a
stored package is still the right one by rebuilding its input and hashing it
takes several queries; instead each worker remembers, per grant, format and
URL root, the package it served together with the *fingerprint* of
everything that package is built from:

* the article's ``content_version``, which any change to the article, its
  revisions, assets or tags bumps (see ``models.articles``);
* the grant's licence id and terms hash, frozen when it was issued;
* the partner's name and the organisation's details, read as they are now;
* the URL root the tracking pixel's address is made from (part of the key).

A repeat download is then one statement: an INSERT of its downloads row that
selects from the grant only while the download is allowed (the grant usable
now, and for the portal the session's user live under the same conditions as
logging in; API keys are checked before, as for every API call) *and* the
fingerprint is still the remembered one. One row written means the
remembered bytes are the answer and the download is logged; none means
something changed, and the full path reads the grant, says why it refuses or
builds the package anew, remembers it and logs it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import Flask

from syndication.extensions import db
from syndication.models import Article, Download, Grant, OrganisationSettings, Partner, User
from syndication.models.base import UTCDateTime, utcnow
from syndication.services import package_sources, packages, worker_memory
from syndication.services.errors import DomainError, NotFound
from syndication.services.package_sources import (
    GRANT_STATE_COLUMNS,
    ORGANISATION_COLUMNS,
    grant_state,
)
from syndication.services.packages import Built
from syndication.services.users import live_session_conditions
from syndication.services.worker_memory import WorkerMemory

# Megabytes of package bytes one worker keeps; the files stay on disk regardless.
DEFAULT_MEMORY_MB = 64

_users, _partners, _grants = User.__table__, Partner.__table__, Grant.__table__
_articles, _org = Article.__table__, OrganisationSettings.__table__
_downloads = Download.__table__

# Everything a package is built from, by name (see the module docstring); the
# grant's id, the format and the URL root are the key the package is kept under.
_FINGERPRINT = (
    ("licence_id", _grants.c.licence_id),
    ("terms_hash", _grants.c.terms_hash),
    ("content_version", _articles.c.content_version),
    ("partner_name", _partners.c.name),
    ("org_name", _org.c.name),
    ("org_url", _org.c.website_url),
    ("org_email", _org.c.licensing_email),
)

# What decides the download and fingerprints its package, for a grant joined
# to its partner (and that partner's user, for the session variant).
_GRANT_COLUMNS = (
    *GRANT_STATE_COLUMNS,  # with the licence id and partner name
    _grants.c.terms_hash,
    _articles.c.content_version,
    *ORGANISATION_COLUMNS,
)

# A logged-in user's session, checked with the same conditions as login, and
# the grant if it is their partner's: no row means the session has ended.
_SESSION_GRANT = (
    sa.select(
        _users.c.id.label("user_id"), _users.c.partner_id.label("user_partner_id"), *_GRANT_COLUMNS
    )
    .select_from(_users)
    .outerjoin(_partners, _partners.c.id == _users.c.partner_id)
    .outerjoin(
        _grants,
        sa.and_(
            _grants.c.id == sa.bindparam("grant_id"),
            _grants.c.partner_id == _users.c.partner_id,
        ),
    )
    .outerjoin(_articles, _articles.c.id == _grants.c.article_id)
    .outerjoin(_org, _org.c.id == 1)
    .where(*live_session_conditions(_users, _partners))
)

# The grant of a partner whose credential (an API key, a signed link) was checked already.
_PARTNER_GRANT_FROM = (
    _grants.join(_partners, _partners.c.id == _grants.c.partner_id)
    .join(_articles, _articles.c.id == _grants.c.article_id)
    .outerjoin(_org, _org.c.id == 1)
)
_PARTNER_GRANT_WHERE = (
    _grants.c.id == sa.bindparam("grant_id"),
    _grants.c.partner_id == sa.bindparam("partner_id"),
)
_PARTNER_GRANT = (
    sa.select(*_GRANT_COLUMNS).select_from(_PARTNER_GRANT_FROM).where(*_PARTNER_GRANT_WHERE)
)


def _log_if_unchanged(user_id: sa.ColumnElement, from_: Any, *where: Any) -> sa.Insert:
    """INSERT the downloads row, selecting from the grant only if all of ``where`` holds,
    the grant may be used now and its fingerprint is the remembered one (``was_*``)."""
    unchanged = (
        column.is_not_distinct_from(sa.bindparam(f"was_{n}")) for n, column in _FINGERPRINT
    )
    row = sa.select(
        _grants.c.id,
        _grants.c.partner_id,
        user_id,
        sa.bindparam("api_key_id", type_=sa.Integer),
        sa.bindparam("package_hash", type_=sa.String),
        sa.bindparam("format", type_=sa.String),
        sa.bindparam("size", type_=sa.Integer),
        sa.bindparam("created_at", type_=UTCDateTime),
    )
    columns = [
        "grant_id", "partner_id", "user_id", "api_key_id", "package_hash", "format", "size",
        "created_at",
    ]  # fmt: skip
    return (
        sa.insert(_downloads)
        .from_select(
            columns,
            row.select_from(from_).where(*where, *packages.usable_now_conditions(), *unchanged),
        )
        # The rows written are the answer; drivers need not report them for an INSERT.
        .execution_options(preserve_rowcount=True)
    )


# The session variant: the user's partner must hold the grant, as in _SESSION_GRANT.
_LOG_SESSION_DOWNLOAD = _log_if_unchanged(
    _users.c.id,
    _users.join(_partners, _partners.c.id == _users.c.partner_id)
    .join(_grants, _grants.c.partner_id == _users.c.partner_id)
    .join(_articles, _articles.c.id == _grants.c.article_id)
    .outerjoin(_org, _org.c.id == 1),
    _grants.c.id == sa.bindparam("grant_id"),
    *live_session_conditions(_users, _partners),
)
_LOG_PARTNER_DOWNLOAD = _log_if_unchanged(sa.null(), _PARTNER_GRANT_FROM, *_PARTNER_GRANT_WHERE)


class SessionEnded(DomainError):
    """The session's user no longer may be logged in: treat the request as anonymous."""

    status = 401


class NotAPartner(DomainError):
    """A live session of a staff member: partner pages are not theirs."""

    status = 403


class Remembered(NamedTuple):
    """A served package and the fingerprint of what it was built from (as was_* parameters)."""

    fingerprint: dict[str, Any]
    built: Built


def _size_of(entry: Remembered) -> int:
    return len(entry.built.data)


def memory_of(app: Flask) -> WorkerMemory[Remembered]:
    """The app's remembered packages in this worker, PACKAGE_MEMORY_MB in size."""
    megabytes = app.config.get("PACKAGE_MEMORY_MB", DEFAULT_MEMORY_MB)
    return worker_memory.memory_of(app, "package_memory", megabytes=megabytes, size_of=_size_of)


def for_session(
    user_id: int,
    session_version: int,
    grant_id: int,
    fmt: str,
    *,
    url_root: Hashable,
    remembered: WorkerMemory[Remembered],
) -> Built:
    """The grant's package for a logged-in partner user, logged as one download.

    Raises SessionEnded when the session no longer holds, NotAPartner for staff,
    NotFound for a grant that is not this partner's, and the refusals of
    ``packages.check_usable`` for one that may not be used now.
    """
    packages.check_format(fmt)
    key = (grant_id, fmt, url_root)
    params = {"user_id": user_id, "version": session_version, "grant_id": grant_id}
    served = _served_if_unchanged(_LOG_SESSION_DOWNLOAD, params, fmt, remembered.get(key))
    if served is not None:
        return served
    row = db.session.execute(_SESSION_GRANT, params).one_or_none()
    if row is None:
        db.session.rollback()
        raise SessionEnded("Your session has ended; log in again.")
    if row.user_partner_id is None:
        db.session.rollback()
        raise NotAPartner("Partner pages are for partner accounts.")
    return _serve(row, key, remembered, user_id=user_id)


def for_partner(
    partner_id: int,
    grant_id: int,
    fmt: str,
    *,
    api_key_id: int | None = None,
    url_root: Hashable,
    remembered: WorkerMemory[Remembered],
) -> Built:
    """The grant's package for a partner whose credential the caller has checked; logged.

    Raises NotFound for a grant that is not this partner's and the refusals of
    ``packages.check_usable`` for one that may not be used now.
    """
    packages.check_format(fmt)
    key = (grant_id, fmt, url_root)
    params = {"partner_id": partner_id, "grant_id": grant_id, "api_key_id": api_key_id}
    served = _served_if_unchanged(_LOG_PARTNER_DOWNLOAD, params, fmt, remembered.get(key))
    if served is not None:
        return served
    row = db.session.execute(_PARTNER_GRANT, params).one_or_none()
    return _serve(row, key, remembered, api_key_id=api_key_id)


def _served_if_unchanged(
    statement: sa.Insert, params: dict, fmt: str, entry: Remembered | None
) -> Built | None:
    """The remembered package if the download is allowed and nothing changed, logged; else None.

    Leaves no transaction open either way (the full path starts afresh).
    """
    if entry is None:
        if db.session().in_transaction():
            db.session.rollback()  # the request may have read before: read anew
        return None
    built = entry.built
    logged = {
        "api_key_id": None,
        **params,
        **entry.fingerprint,
        **packages.what_was_served(built, fmt),
        "created_at": (now := utcnow()),
        "now": now,
    }
    try:
        written = packages.begin_logging().execute(statement, logged).rowcount
    except BaseException:
        db.session.rollback()
        raise
    if written == 1:
        db.session.commit()
        return built
    db.session.rollback()
    return None


def _fingerprint(row: Any) -> dict[str, Any]:
    return {f"was_{name}": getattr(row, name) for name, _ in _FINGERPRINT}


def _serve(
    row: Any,
    key: tuple,
    remembered: WorkerMemory[Remembered],
    *,
    user_id: int | None = None,
    api_key_id: int | None = None,
) -> Built:
    """The full path: refuse saying why, or build (or re-read) the package, remember it, log it."""
    fmt = key[1]
    try:
        if row is None or row.grant_id is None:
            raise NotFound("No such grant.")
        packages.check_usable(grant_state(row))
        # Checked above: the full input is all that is missing.
        source = package_sources.for_grants([row.grant_id], row.partner_id)[row.grant_id]
        built = packages.build(source, fmt)
        entry = packages.log_entry(
            built, row.grant_id, row.partner_id, fmt, user_id=user_id, api_key_id=api_key_id
        )
        packages.log_downloads([entry])
    except BaseException:
        db.session.rollback()
        raise
    remembered.put(key, Remembered(_fingerprint(row), built))
    return built
