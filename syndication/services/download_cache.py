"""Cached downloads: who may have which stored package, answered with one query.

Partners' systems fetch the same packages again and again. Proving that a
stored package is still the right one by rebuilding its input and hashing it
takes several queries; instead each worker remembers, per grant and format,
the package it served together with the *fingerprint* of everything that
package is built from:

* the article's ``content_version``, which any change to the article, its
  revisions, assets or tags bumps (see ``models.articles``);
* the grant's licence id and terms hash, frozen when it was issued;
* the partner's name and the organisation's details, read as they are now;
* the URL root the tracking pixel's address is made from.

One statement reads that fingerprint together with everything that decides
whether the download is allowed: the grant's state and, for the portal, the
session's user (the same conditions as logging in: session version, active,
partner approved); API keys are checked before, as for every API call. A
remembered package then costs that statement, the log INSERT and no build; a
new fingerprint takes the full path once and is remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from cachetools import LRUCache
from flask import Flask

from syndication.extensions import db
from syndication.models import Article, Grant, OrganisationSettings, Partner, User
from syndication.services import package_sources, packages
from syndication.services.errors import DomainError, NotFound
from syndication.services.package_sources import (
    GRANT_STATE_COLUMNS,
    ORGANISATION_COLUMNS,
    grant_state,
)
from syndication.services.packages import Built
from syndication.services.users import live_session_conditions

# Megabytes of package bytes one worker keeps; the files stay on disk regardless.
DEFAULT_MEMORY_MB = 64

_users, _partners, _grants = User.__table__, Partner.__table__, Grant.__table__
_articles, _org = Article.__table__, OrganisationSettings.__table__

# What decides the download and fingerprints its package, for a grant joined
# to its partner (and that partner's user, for the session variant).
_GRANT_COLUMNS = (
    *GRANT_STATE_COLUMNS,
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

# The grant of a partner whose credential (an API key) was checked already.
_PARTNER_GRANT = (
    sa.select(*_GRANT_COLUMNS)
    .select_from(_grants)
    .join(_partners, _partners.c.id == _grants.c.partner_id)
    .join(_articles, _articles.c.id == _grants.c.article_id)
    .outerjoin(_org, _org.c.id == 1)
    .where(
        _grants.c.id == sa.bindparam("grant_id"),
        _grants.c.partner_id == sa.bindparam("partner_id"),
    )
)


class SessionEnded(DomainError):
    """The session's user no longer may be logged in: treat the request as anonymous."""

    status = 401


class NotAPartner(DomainError):
    """A live session of a staff member: partner pages are not theirs."""

    status = 403


class _Memory:
    """A worker's remembered packages, by fingerprint; bounded by the bytes they hold."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._cache: LRUCache[Hashable, Built] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda built: len(built.data) + 200
        )
        # gthread workers serve requests on several threads: LRU updates are not atomic.
        self._lock = threading.Lock()

    def get(self, fingerprint: Hashable) -> Built | None:
        with self._lock:
            return self._cache.get(fingerprint)

    def put(self, fingerprint: Hashable, built: Built) -> None:
        if len(built.data) + 200 > self.max_bytes:
            return  # larger than the whole budget: served from disk every time
        with self._lock:
            self._cache[fingerprint] = built

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def memory_of(app: Flask) -> _Memory:
    """The app's remembered packages in this worker, PACKAGE_MEMORY_MB in size."""
    remembered = app.extensions.get("package_memory")
    if remembered is None:
        megabytes = app.config.get("PACKAGE_MEMORY_MB", DEFAULT_MEMORY_MB)
        remembered = app.extensions["package_memory"] = _Memory(int(megabytes * 1024 * 1024))
    return remembered


def _fingerprint(row: Any, fmt: str, url_root: Hashable) -> tuple:
    return (
        row.grant_id,
        fmt,
        row.article_id,
        row.content_version,
        row.licence_id,
        row.terms_hash,
        row.partner_name,
        row.org_name,
        row.org_url,
        row.org_email,
        url_root,
    )


def _begin_reading() -> None:
    """A fresh transaction for the download's one read (the request may have read before)."""
    if db.session().in_transaction():
        db.session.rollback()


def for_session(
    user_id: int,
    session_version: int,
    grant_id: int,
    fmt: str,
    *,
    url_root: Hashable,
    remembered: _Memory,
) -> Built:
    """The grant's package for a logged-in partner user, logged as one download.

    Raises SessionEnded when the session no longer holds, NotAPartner for staff,
    NotFound for a grant that is not this partner's, and the refusals of
    ``packages.check_usable`` for one that may not be used now.
    """
    packages.check_format(fmt)
    _begin_reading()
    params = {"user_id": user_id, "version": session_version, "grant_id": grant_id}
    row = db.session.execute(_SESSION_GRANT, params).one_or_none()
    if row is None:
        db.session.rollback()
        raise SessionEnded("Your session has ended; log in again.")
    if row.user_partner_id is None:
        db.session.rollback()
        raise NotAPartner("Partner pages are for partner accounts.")
    return _serve(row, fmt, url_root, remembered, user_id=user_id)


def for_partner(
    partner_id: int,
    grant_id: int,
    fmt: str,
    *,
    api_key_id: int | None = None,
    url_root: Hashable,
    remembered: _Memory,
) -> Built:
    """The grant's package for a partner whose credential the caller has checked; logged.

    Raises NotFound for a grant that is not this partner's and the refusals of
    ``packages.check_usable`` for one that may not be used now.
    """
    packages.check_format(fmt)
    _begin_reading()
    params = {"partner_id": partner_id, "grant_id": grant_id}
    row = db.session.execute(_PARTNER_GRANT, params).one_or_none()
    return _serve(row, fmt, url_root, remembered, api_key_id=api_key_id)


def _serve(
    row: Any,
    fmt: str,
    url_root: Hashable,
    remembered: _Memory,
    *,
    user_id: int | None = None,
    api_key_id: int | None = None,
) -> Built:
    try:
        if row is None or row.grant_id is None:
            raise NotFound("No such grant.")
        packages.check_usable(grant_state(row))
        fingerprint = _fingerprint(row, fmt, url_root)
        built = remembered.get(fingerprint)
        if built is None:
            # Checked above: the full input is all that is missing.
            source = package_sources.for_grants([row.grant_id], row.partner_id)[row.grant_id]
            built = packages.build(source, fmt)
            remembered.put(fingerprint, built)
        entry = packages.log_entry(
            built, row.grant_id, row.partner_id, fmt, user_id=user_id, api_key_id=api_key_id
        )
        packages.log_downloads([entry])
    except BaseException:
        db.session.rollback()
        raise
    return built
