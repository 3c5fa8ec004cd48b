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
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import Flask

from syndication.extensions import db
from syndication.models import Article, Grant, OrganisationSettings, Partner
from syndication.services import package_sources, packages, worker_memory
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
    try:
        row = db.session.execute(_GRANT, {"grant_id": grant_id, "partner_id": partner_id}).first()
        if row is None:
            raise NotFound("No such grant.")
        packages.check_usable(grant_state(row))
        fingerprint = tuple(getattr(row, name) for name in _FINGERPRINT)
        key = (grant_id, fmt, url_root)
        entry = remembered.get(key)
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
