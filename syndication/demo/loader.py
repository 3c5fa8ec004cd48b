"""Load the demo data; running it again changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape
from importlib import resources

import sqlalchemy as sa

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft, AssetDraft
from syndication.ingest.enrich import finish_draft
from syndication.ingest.seed import parse_seed_text
from syndication.models import (
    Article,
    Origin,
    OutletType,
    Partner,
    PartnerDomain,
    PartnerStatus,
    PartnerTier,
    Role,
    SyndicationPolicy,
    TermsVersion,
)
from syndication.services import articles, audit, partners, settings, users
from syndication.services.importing import known_footers
from syndication.services.webhooks import secret_box
from syndication.templating import plural

DEMO_PASSWORD = "demo-password"
# Staff log in with a second factor; the demo's admin and staff share this authenticator
# key (base32), public like the demo password: add it to an app to log in as them, and
# bin/screenshots.py computes their codes from it. Demo data only.
DEMO_TOTP_SECRET = "DEMODESKDEMODESKDEMODESKDEMODESK"
STAFF_LOGINS = [
    ("admin@example.org", Role.ADMIN, "Alex Admin"),
    ("staff@example.org", Role.STAFF, "Sam Staff"),
]
SEED_HEADLINE = "Ukraine’s Kuleba And Russia’s Lavrov Discuss Meeting Of Their Presidents"
SEED_URL = "https://dailycallernewsfoundation.org/2022/03/10/kuleba-lavrov-meeting-presidents/"


def _data(name: str) -> list[dict]:
    return json.loads(resources.files("syndication.demo").joinpath(name).read_text("utf-8"))


def _ensure_staff() -> list[str]:
    lines = []
    for email, role, name in STAFF_LOGINS:
        user = users.find_by_email(email)
        if user is None:
            user = users.create_user(email, role, password=DEMO_PASSWORD, name=name, commit=False)
            lines.append(
                f"user {email} ({role.value}) / {DEMO_PASSWORD}, "
                f"authenticator key {DEMO_TOTP_SECRET}"
            )
        if not user.has_two_factor:
            # Sealed like every second-factor secret: the login's second step opens it.
            user.totp_secret = secret_box().seal(DEMO_TOTP_SECRET)
            user.two_factor_since = datetime.now(UTC)
    return lines


def _ensure_partners(terms: TermsVersion) -> list[str]:
    lines = []
    now = datetime.now(UTC)
    for index, item in enumerate(_data("partners.json")):
        exists = db.session.scalar(sa.select(Partner.id).where(Partner.name == item["name"]))
        if exists is not None:
            continue
        partner = Partner(
            name=item["name"],
            website=item["website"],
            outlet_type=OutletType(item["outlet_type"]),
            region=item.get("region") or "",
            contact_name=item["contact_name"],
            contact_email=item["contact_email"],
            monthly_unique_visitors=item.get("monthly_unique_visitors"),
            newsletter_subscribers=item.get("newsletter_subscribers"),
            print_circulation=item.get("print_circulation"),
            intended_use=item.get("intended_use") or "",
            status=PartnerStatus(item["status"]),
            tier=PartnerTier(item["tier"]) if item.get("tier") else None,
            terms_version=terms,
            terms_accepted_at=now - timedelta(days=60 - index),
            created_at=now - timedelta(days=60 - index),
            domains=[PartnerDomain(domain=d) for d in item["domains"]],
        )
        db.session.add(partner)
        db.session.flush()
        partner.recommendation = partners.recommendation_for(partner).as_dict()
        audit.record(None, "applied", partner, to_status=PartnerStatus.APPLIED.value)
        if item.get("status_reason"):
            audit.record(
                None,
                "demo_status",
                partner,
                from_status=PartnerStatus.APPLIED.value,
                to_status=partner.status.value,
                reason=item["status_reason"],
            )
        if partner.status is not PartnerStatus.APPLIED and partner.status is not (
            PartnerStatus.REJECTED
        ):
            # Partners that were ever approved have a login, named after their domain.
            email = f"editor@{item['domains'][0]}"
            users.create_user(
                email,
                Role.PARTNER,
                password=DEMO_PASSWORD,
                name=item["contact_name"],
                partner=partner,
                partner_admin=True,
                commit=False,
            )
            lines.append(f"partner user {email} ({partner.status.value}) / {DEMO_PASSWORD}")
    return lines


def _demo_draft(item: dict, now: datetime) -> ArticleDraft:
    """The draft an importer makes of a demo article: finished by the importers' own step."""
    org = settings.organisation()
    body = "".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in item["paragraphs"])
    draft = ArticleDraft(
        headline=item["headline"],
        dek=item["dek"],
        body_html=body,
        bylines=item["bylines"],
        section=item["section"],
        tags=item["tags"],
        published_at=now - timedelta(days=item["days_ago"], hours=item["days_ago"] % 7),
        canonical_url=org.website_url.rstrip("/") + item["canonical_path"],
        source_id=f"demo:{item['slug']}",
        summary=item["dek"],
        assets=[
            AssetDraft(
                url=asset["url"],
                caption=asset["caption"],
                credit=asset["credit"],
                mime_type="image/jpeg",
            )
            for asset in item.get("assets", [])
        ],
    )
    # Promos marked, agency photos kept out, outlets and wire bylines found, as on import.
    draft = finish_draft(draft, body, known_footers=known_footers())
    for asset in draft.assets:
        asset.rights_holder = asset.rights_holder or org.name  # our own photographers
    return draft


def _ensure_articles() -> list[str]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    created = 0
    seed = parse_seed_text(
        resources.files("syndication.demo").joinpath("seed-article.txt").read_bytes(),
        headline=SEED_HEADLINE,
        source_id=SEED_URL,
        known_footers=known_footers(),
    )
    seed.canonical_url = SEED_URL
    seed.section = "World"
    seed.tags = ["ukraine", "russia", "diplomacy"]
    # The demo's articles are the organisation's own, their rights confirmed: released.
    result = articles.import_draft(seed, note="Seed article", release=True, commit=False)
    created += result.created
    for item in _data("articles.json"):
        result = articles.import_draft(
            _demo_draft(item, now),
            note="Demo data",
            origin=Origin(item["origin"]),
            policy=SyndicationPolicy(item["policy"]),
            release=True,
            commit=False,
        )
        if result.created and item.get("embargo_hours"):
            result.article.embargo_until = now + timedelta(hours=item["embargo_hours"])
        created += result.created
    # Two stories from other publishers' feeds, left in Intake as an import leaves them:
    # the review queue has something to show.
    for item in _data("intake.json"):
        body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in item["paragraphs"])
        draft = ArticleDraft(
            headline=item["headline"],
            dek=item["dek"],
            body_html=body,
            bylines=item["bylines"],
            published_at=now - timedelta(hours=3),
            canonical_url=item["url"],
            source_id=f"demo:{item['slug']}",
            source_title=item["source_title"],
            source_site_url=item["site"],
            importer="feed",
            import_source="demo feed",
        )
        draft = finish_draft(draft, body, known_footers=known_footers())
        created += articles.import_draft(draft, note="Demo feed", commit=False).created
    return [f"{plural(created, 'article')} created"] if created else []


def load_demo() -> list[str]:
    """Create what is missing of the demo data, in one transaction; say what was added."""
    settings.stored_organisation()
    terms = partners.current_terms()
    lines = _ensure_staff() + _ensure_partners(terms) + _ensure_articles()
    db.session.commit()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Article))
    return (
        [*lines, f"catalogue holds {plural(total, 'article')}"]
        if lines
        else [f"demo data already loaded ({plural(total, 'article')})"]
    )
