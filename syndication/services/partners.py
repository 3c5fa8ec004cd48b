"""Partner applications, staff decisions, partner users and invitations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from syndication.extensions import db
from syndication.models import (
    AuditEvent,
    OutletType,
    Partner,
    PartnerDomain,
    PartnerStatus,
    PartnerTier,
    Role,
    TermsVersion,
    User,
)
from syndication.models.base import utcnow
from syndication.packaging import ninjs
from syndication.policy import eligibility
from syndication.policy.lifecycle import (
    PAST,
    REASON_REQUIRED,
    Action,
    InvalidTransition,
    transition,
)
from syndication.services import audit, mail, settings, tokens, users
from syndication.services.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    write_conflicts_as,
)
from syndication.services.pagination import Keyset, Sort, keyset

# Statuses in which a partner still holds its domains: a new application for
# one of them is refused.
HOLDING_STATUSES = (PartnerStatus.APPLIED, PartnerStatus.APPROVED, PartnerStatus.SUSPENDED)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

DEFAULT_TERMS = (
    "1. You may republish, in full and unedited except for style, the articles we grant you.\n"
    "2. Every republished copy carries the credit line and licensing footer we supply, and "
    "links to the original.\n"
    "3. You may not sell, sublicense or syndicate our articles onward, and you may not use "
    "images or other material we do not include in the package.\n"
    "4. When we send a correction or takedown notice, you apply it promptly.\n"
    "5. We may suspend or end the partnership if these terms are not kept."
)


@dataclass(slots=True)
class ApplicationData:
    name: str
    website: str
    domains: list[str]
    outlet_type: str
    contact_name: str
    contact_email: str
    region: str = ""
    monthly_unique_visitors: int | None = None
    newsletter_subscribers: int | None = None
    print_circulation: int | None = None
    intended_use: str = ""
    terms_version_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def normalise_domain(raw: str) -> str:
    """``https://www.Example.com/news`` → ``example.com``; DomainError if not a domain."""
    text = raw.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise DomainError(f"{raw!r} is not a domain name.") from exc
    if not _DOMAIN.match(host):
        raise DomainError(f"{raw!r} is not a domain name.")
    return host


def current_terms() -> TermsVersion:
    """The terms version applicants accept now (created on first use)."""
    terms = db.session.scalar(sa.select(TermsVersion).order_by(TermsVersion.id.desc()).limit(1))
    if terms is None:
        terms = TermsVersion(version="2026-01", text=DEFAULT_TERMS)
        db.session.add(terms)
        db.session.flush()
    return terms


def holder_of(domain: str) -> Partner | None:
    """The open or approved partner that already holds a domain, if any."""
    return db.session.scalar(
        sa.select(Partner)
        .join(PartnerDomain)
        .where(PartnerDomain.domain == domain, Partner.status.in_(HOLDING_STATUSES))
        .limit(1)
    )


def recommendation_for(partner: Partner) -> eligibility.Recommendation:
    """Recommend on a partner's application with the policy in force now."""
    policy = settings.eligibility_policy()
    return eligibility.recommend(
        eligibility.Application(
            domains=[d.domain for d in partner.domains],
            monthly_unique_visitors=partner.monthly_unique_visitors,
            newsletter_subscribers=partner.newsletter_subscribers,
            print_circulation=partner.print_circulation,
            fields={
                "region": partner.region,
                "intended_use": partner.intended_use,
                "website": partner.website,
                "contact_name": partner.contact_name,
            },
        ),
        eligibility.Policy(
            min_monthly_unique_visitors=policy.min_monthly_unique_visitors,
            min_newsletter_subscribers=policy.min_newsletter_subscribers,
            min_print_circulation=policy.min_print_circulation,
            blocked_domains=policy.blocked_domains or [],
            required_fields=policy.required_fields or [],
        ),
    )


def apply(data: ApplicationData) -> Partner:
    """Record an application, recommend on it, and confirm it to the applicant."""
    domains = sorted({normalise_domain(d) for d in data.domains if d.strip()})
    if not domains:
        raise DomainError("Give at least one domain you publish on.")
    for domain in domains:
        holder = holder_of(domain)
        if holder is not None:
            raise Conflict(
                f"{domain} already belongs to a partner whose application is "
                f"{holder.status.value}; contact us instead of applying again."
            )
    figures = (data.monthly_unique_visitors, data.newsletter_subscribers, data.print_circulation)
    if all(figure is None for figure in figures):
        raise DomainError("Give at least one audience figure.")
    if any(figure is not None and figure < 0 for figure in figures):
        raise DomainError("Audience figures cannot be negative.")
    terms = current_terms()
    if data.terms_version_id != terms.id:
        raise DomainError("The terms changed while you were applying; read and accept them again.")
    partner = Partner(
        name=data.name.strip(),
        website=data.website.strip(),
        outlet_type=OutletType(data.outlet_type),
        region=data.region.strip(),
        contact_name=data.contact_name.strip(),
        contact_email=users.normalise_email(data.contact_email),
        monthly_unique_visitors=data.monthly_unique_visitors,
        newsletter_subscribers=data.newsletter_subscribers,
        print_circulation=data.print_circulation,
        intended_use=data.intended_use.strip(),
        terms_version=terms,
        terms_accepted_at=utcnow(),
        domains=[PartnerDomain(domain=d) for d in domains],
    )
    db.session.add(partner)
    db.session.flush()
    partner.recommendation = recommendation_for(partner).as_dict()
    audit.record(None, "applied", partner, to_status=PartnerStatus.APPLIED.value)
    mail.send(
        "application_received",
        partner.contact_email,
        "We received your syndication application",
        partner=partner,
        organisation=settings.organisation(),
    )
    db.session.commit()
    return partner


def get(partner_id: int) -> Partner:
    """The partner with this id, or NotFound."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    return partner


def find(partner_id: int | None) -> Partner | None:
    """The partner with this id, or None (no id, or no such partner)."""
    return db.session.get(Partner, partner_id) if partner_id else None


def name_begins(prefix: str) -> sa.ColumnElement[bool]:
    """Partners whose name begins with ``prefix``, in any case. Escaped, so that "%" or "_"
    typed in a name are letters, not wildcards. Pickers take a typed name: with thousands
    of partners, a list of them all was most of a page's cost."""
    return Partner.name.istartswith(prefix, autoescape=True)


def named(prefix: str, *, status: PartnerStatus | None = None, limit: int) -> list[Partner]:
    """Up to ``limit`` partners whose name begins with ``prefix`` (in any case), by name;
    all of them or those in one status."""
    query = sa.select(Partner).where(name_begins(prefix)).order_by(Partner.name, Partner.id)
    if status is not None:
        query = query.where(Partner.status == status)
    return list(db.session.scalars(query.limit(limit)))


def count_by_status() -> dict[PartnerStatus, int]:
    """How many partners each status holds."""
    rows = db.session.execute(sa.select(Partner.status, sa.func.count()).group_by(Partner.status))
    return dict(rows.all())


def search(
    *,
    status: str = "",
    recommendation: str = "",
    q: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
    sort: Sort | None = None,
    cursor: str | None = None,
    per_page: int = 50,
) -> Keyset[Partner]:
    """A page of partners for the staff list, newest application first unless sorted,
    filtered as asked, after or before the partner ``cursor`` names.

    ``q`` matches the name, contact email or a domain; the dates are whole UTC
    days, both included; ``recommendation`` is "approve" or "reject". Unknown
    values of ``status`` or ``recommendation`` do not filter.
    """
    query = sa.select(Partner).options(selectinload(Partner.domains))
    if status in PartnerStatus.__members__.values():
        query = query.where(Partner.status == status)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Partner.name).like(like),
                sa.func.lower(Partner.contact_email).like(like),
                Partner.domains.any(PartnerDomain.domain.like(like)),
            )
        )
    if created_from:
        query = query.where(Partner.created_at >= datetime.combine(created_from, time.min, UTC))
    if created_to:
        next_day = datetime.combine(created_to + timedelta(days=1), time.min, UTC)
        query = query.where(Partner.created_at < next_day)
    if recommendation in ("approve", "reject"):
        # JSON ->> on PostgreSQL, json_extract on SQLite: filtered before paging.
        query = query.where(Partner.recommendation["decision"].as_string() == recommendation)
    return keyset(
        query,
        sort=sort or Sort("applied", True),
        columns=PARTNER_SORTS,
        tiebreak=Partner.id,
        cursor=cursor,
        scope=("partners", status, recommendation, q, created_from, created_to),
        per_page=per_page,
        count=True,
    )


PARTNER_SORTS = {
    "name": sa.func.lower(Partner.name),
    "visitors": Partner.monthly_unique_visitors,
    "status": Partner.status,
    "applied": Partner.created_at,
}


def members(partner_id: int) -> list[User]:
    """The partner's active users, by email."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.partner_id == partner_id, User.active.is_(True))
            .order_by(User.email)
        )
    )


def member(partner_id: int, user_id: int) -> User:
    """A user of the partner; another partner's user is NotFound, like a missing one."""
    user = db.session.scalar(
        sa.select(User).where(User.id == user_id, User.partner_id == partner_id)
    )
    if user is None:
        raise NotFound("No such user in your organisation.")
    return user


def history(partner: Partner) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "partners", AuditEvent.object_id == partner.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def _against_recommendation(partner: Partner, action: Action) -> bool:
    decision = (partner.recommendation or {}).get("decision")
    return (action is Action.APPROVE and decision == "reject") or (
        action is Action.REJECT and decision == "approve"
    )


def decide(
    partner_id: int,
    action: Action | str,
    *,
    actor: User,
    expected_version: int,
    reason: str = "",
    tier: PartnerTier | str | None = None,
) -> Partner:
    """Apply a staff decision through the lifecycle table, in one transaction.

    ``expected_version`` is the version the person saw: if someone else
    decided in the meantime, this refuses (Conflict) instead of overwriting.
    A decision the table or the rules on reasons refuse is Invalid. A refusal
    leaves the session as it was, so the partner can be shown again at once.
    """
    try:
        return _decide(partner_id, action, actor, expected_version, reason.strip(), tier)
    except DomainError:
        db.session.rollback()
        raise


def _decide(
    partner_id: int,
    action: Action | str,
    actor: User,
    expected_version: int,
    reason: str,
    tier: PartnerTier | str | None,
) -> Partner:
    try:
        action = Action(action)
        tier = PartnerTier(tier or PartnerTier.STANDARD)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    partner = get(partner_id)
    if partner.version != expected_version:
        raise Conflict("Someone else changed this partner while you were looking; reload.")
    previous = partner.status
    try:
        partner.status = transition(previous, action)
    except InvalidTransition as exc:
        raise Invalid(str(exc)) from exc
    if action in REASON_REQUIRED and not reason:
        raise Invalid(f"Say why the partner is {PAST[action]}.")
    if _against_recommendation(partner, action) and not reason:
        raise Invalid("This decision goes against the recommendation: write the reason for it.")
    invited: User | None = None
    conflict = "Someone else decided on this partner at the same moment; reload."
    with write_conflicts_as(conflict):
        # No autoflush: the conditional UPDATE must happen in here, at commit.
        with db.session.no_autoflush:
            if action is Action.APPROVE:
                partner.tier = tier
                if not partner.users:
                    invited = users.create_user(
                        partner.contact_email,
                        Role.PARTNER,
                        name=partner.contact_name,
                        partner=partner,
                        partner_admin=True,
                        commit=False,
                    )
            if action in (Action.SUSPEND, Action.TERMINATE):
                # Ends every session of the partner's users at their next request.
                for user in partner.users:
                    user.session_version += 1
            audit.record(
                actor,
                action.value,
                partner,
                from_status=previous.value,
                to_status=partner.status.value,
                reason=reason,
                **({"tier": partner.tier.value} if action is Action.APPROVE else {}),
            )
            # The emails are jobs in this same transaction: sent only if the decision lands.
            db.session.flush()
            _notify_decision(partner, action, reason, invited)
        db.session.commit()
    return partner


def _notify_decision(partner: Partner, action: Action, reason: str, invited: User | None) -> None:
    org = settings.organisation()
    mail.send(
        f"partner_{action.value}",
        partner.contact_email,
        f"Your syndication partnership: {PAST[action]}",
        partner=partner,
        reason=reason,
        organisation=org,
    )
    if invited is not None:
        send_invitation(invited, inviter=None)


def send_invitation(user: User, inviter: User | None) -> None:
    """Queue an email with a single-use, expiring link to set a password (the caller commits)."""
    link = mail.external_url("auth.accept_invitation", token=tokens.invitation_token(user))
    mail.send(
        "invitation",
        user.email,
        f"Your {settings.organisation().name} syndication account",
        user=user,
        partner=user.partner,
        inviter=inviter,
        link=link,
        organisation=settings.organisation(),
    )


def accept_invitation(token: str, password: str) -> User:
    """Set the password named by an invitation token; the token is spent by it."""
    user = tokens.user_for_invitation(token)
    if len(password) < users.MIN_PASSWORD_LENGTH:
        raise DomainError(f"Passwords need at least {users.MIN_PASSWORD_LENGTH} characters.")
    users.set_password(user, password)
    audit.record(user, "password_set", user)
    db.session.commit()
    return user


def invite_user(partner: Partner, email: str, *, inviter: User, admin: bool = False) -> User:
    """Add a user to a partner (a partner admin's action) and email the invitation."""
    if not inviter.is_partner_admin or inviter.partner_id != partner.id:
        raise DomainError("Only an administrator of this partner can invite users.")
    user = users.create_user(
        email, Role.PARTNER, partner=partner, partner_admin=admin, commit=False
    )
    db.session.flush()
    audit.record(inviter, "user_invited", partner, email=user.email)
    send_invitation(user, inviter=inviter)
    db.session.commit()
    return user


def remove_user(partner: Partner, user_id: int, *, actor: User) -> None:
    """Deactivate a user of the same partner; their sessions end at once."""
    if not actor.is_partner_admin or actor.partner_id != partner.id:
        raise DomainError("Only an administrator of this partner can remove users.")
    user = member(partner.id, user_id)
    if user.id == actor.id:
        raise DomainError("You cannot remove yourself; ask another administrator.")
    user.active = False
    user.session_version += 1
    audit.record(actor, "user_removed", partner, email=user.email)
    db.session.commit()


def set_ninjs_version(partner: Partner, version: str, *, actor: User) -> None:
    """Choose the ninjs version of the partner's packages (the partner's admin, or staff)."""
    if version not in ninjs.VERSIONS:
        raise DomainError(f"Choose one of the ninjs versions {', '.join(ninjs.VERSIONS)}.")
    if not actor.is_staff and not (actor.is_partner_admin and actor.partner_id == partner.id):
        raise DomainError("Only an administrator of this partner or staff can change this.")
    if partner.ninjs_version == version:
        return
    previous, partner.ninjs_version = partner.ninjs_version, version
    audit.record(actor, "ninjs_version_set", partner, previous=previous, version=version)
    db.session.commit()
