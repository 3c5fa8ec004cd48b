"""The public face of a licence: what anyone who finds a copy may know about its grant.

Every package names its licence URI (the ODRL ``uid``, JSON-LD ``license``,
ninjs ``rightsinfo``, NewsML-G2 and LICENSE.txt). Behind it, ``/licences/<id>``
says who may republish which article, under which terms, since when, and
whether that still holds. Of the partner it says only its public name and the
domain of its website: no contacts, tier, audience figures or reasons written
for the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from syndication.extensions import db
from syndication.links import absolute_url
from syndication.models import Grant, GrantStatus, Notice, NoticeKind, PartnerStatus
from syndication.models.base import utcnow
from syndication.rules.odrl import STYLE_EXCEPTION, licence_uri
from syndication.services import settings
from syndication.services.errors import NotFound

# What licence ids look like (SD-2026-8F3K2Q9A); anything else is no licence of ours.
_LICENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

STATES = {
    "valid": "Valid: the licensee may republish the article on these terms.",
    "expired": "Expired: the licence ran its term; the article may no longer be republished"
    " under it.",
    "revoked": "Revoked: the licensor withdrew this licence; copies must be removed.",
    "taken_down": "Taken down: the licensor withdrew the article itself; every copy must be"
    " removed.",
    "suspended": "Suspended: the licensee's partnership is not active, so the licence cannot be"
    " used for now.",
}


@dataclass(frozen=True)
class PublicLicence:
    """A licence as the public page and its JSON show it."""

    licence_id: str
    uri: str
    state: str
    licensor: str
    licensor_url: str
    licensee: str
    licensee_domain: str
    headline: str
    original_url: str
    valid_from: datetime
    valid_until: datetime | None
    ended_at: datetime | None  # when it was revoked or taken down
    hold_until: str | None
    credit_line: str
    originally_appeared: str
    footer: str
    restrictions: tuple[str, ...]
    territory: tuple[str, ...] = ()
    odrl: dict[str, Any] = field(default_factory=dict)

    @property
    def state_words(self) -> str:
        return STATES[self.state]

    @property
    def valid(self) -> bool:
        return self.state == "valid"

    def as_json(self) -> dict[str, Any]:
        """The machine-readable twin of the page."""
        return {
            "licence_id": self.licence_id,
            "uri": self.uri,
            "state": self.state,
            "valid": self.valid,
            "state_description": self.state_words,
            "licensor": {"name": self.licensor, "url": self.licensor_url},
            "licensee": {"name": self.licensee, "domain": self.licensee_domain},
            "article": {"headline": self.headline, "original_url": self.original_url},
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "hold_until": self.hold_until,
            "terms": {
                "permissions": ["reproduce", "distribute"],
                "prohibitions": ["modify (except for style)", "sell", "sub-license"],
                "modify_exception": STYLE_EXCEPTION,
                "territory": list(self.territory),
                "credit_line": self.credit_line,
                "originally_appeared": self.originally_appeared,
                "footer": self.footer,
                "restrictions": list(self.restrictions),
            },
            "odrl": self.odrl,
        }


def uri_for(licence_id: str) -> str:
    """The URI new grants name for their licence: this app's public page of it."""
    return absolute_url("public.licence", licence_id=licence_id)


def _state(grant: Grant, notice_kind: NoticeKind | None, now: datetime) -> str:
    if grant.status is GrantStatus.REVOKED:
        return "taken_down" if notice_kind is NoticeKind.TAKEDOWN else "revoked"
    if grant.status is GrantStatus.EXPIRED or (
        grant.valid_until is not None and grant.valid_until <= now
    ):
        return "expired"
    if grant.partner.status is not PartnerStatus.APPROVED:
        return "suspended"
    return "valid"


def _domain(website: str) -> str:
    try:
        host = urlsplit(website or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _territory(odrl: dict[str, Any]) -> tuple[str, ...]:
    for permission in odrl.get("permission", ()):
        for constraint in permission.get("constraint", ()):
            if constraint.get("leftOperand") == "spatial":
                return tuple(constraint.get("rightOperand") or ())
    return ()


def public(licence_id: str, *, now: datetime | None = None) -> PublicLicence:
    """The public facts of a licence; NotFound for an id no grant has."""
    if not _LICENCE_ID.fullmatch(licence_id or ""):
        raise NotFound("No such licence.")
    grant = db.session.scalar(
        sa.select(Grant)
        .where(Grant.licence_id == licence_id)
        .options(joinedload(Grant.partner), joinedload(Grant.article))
    )
    if grant is None:
        raise NotFound("No such licence.")
    notice_kind = (
        db.session.scalar(sa.select(Notice.kind).where(Notice.id == grant.revoked_notice_id))
        if grant.revoked_notice_id
        else None
    )
    org = settings.organisation()
    terms, odrl = grant.terms or {}, grant.odrl or {}
    text = (terms.get("formats") or {}).get("text") or {}
    article = grant.article
    return PublicLicence(
        licence_id=grant.licence_id,
        # The URI the grant's packages name: frozen with its terms.
        uri=odrl.get("uid") or licence_uri(org.website_url, grant.licence_id),
        state=_state(grant, notice_kind, now or utcnow()),
        licensor=org.name,
        licensor_url=org.website_url,
        licensee=grant.partner.name,
        licensee_domain=_domain(grant.partner.website),
        headline=article.headline,
        original_url=article.canonical_url or "",
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        ended_at=grant.revoked_at if grant.status is GrantStatus.REVOKED else None,
        hold_until=terms.get("hold_until"),
        credit_line=text.get("credit_line") or "",
        originally_appeared=text.get("originally_appeared") or "",
        footer=text.get("footer") or "",
        restrictions=tuple(terms.get("restrictions") or ()),
        territory=_territory(odrl),
        odrl=odrl,
    )
