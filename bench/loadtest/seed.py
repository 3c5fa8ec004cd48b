"""What the load test's database holds beyond the demo data, and what its traffic is told.

Run inside an app context on a migrated database with the demo data loaded
(bench/loadtest/run.py does). Adds copies of the demo articles (released,
like the demo's own), approved partners with a partner-admin login, an API
key, a feed token and grants on a share of the catalogue, and picks the three
things staff act on during the run: a grant to revoke, an article to take
down and a partner to suspend. The traffic never touches those three; only
the driver's probes do, so every other answer is expected to be a 2xx.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from importlib import resources

import sqlalchemy as sa

from syndication.demo import loader
from syndication.extensions import db
from syndication.models import (
    Article,
    OutletType,
    Partner,
    PartnerDomain,
    PartnerStatus,
    PartnerTier,
    RequestStatus,
    Role,
    SyndicationPolicy,
)
from syndication.services import apikeys, articles, feeds, grants, partners, pixels, users

PASSWORD = loader.DEMO_PASSWORD
STAFF_EMAIL = "staff@example.org"


@dataclasses.dataclass
class LoadPartner:
    """One partner the traffic (or a probe) speaks for."""

    id: int
    email: str
    api_key: str
    feed_token: str
    grants: list[int]  # grant ids the traffic downloads and pixels
    pixels: list[str]  # the pixel path of each of those grants
    requestable: list[int]  # article ids it holds no grant for (the requests traffic)


@dataclasses.dataclass
class Fixtures:
    partners: list[LoadPartner]  # the traffic's
    revoke_grant: int  # held by partners[0]; staff revoke it
    revoke_key: str
    takedown_article: int  # staff take it down
    takedown_grant: int  # held by partners[1] on it
    takedown_key: str
    suspended: LoadPartner  # staff suspend it; not part of the traffic
    staff_email: str = STAFF_EMAIL
    password: str = PASSWORD
    totp_secret: str = loader.DEMO_TOTP_SECRET

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Fixtures:
        data = json.loads(text)
        data["partners"] = [LoadPartner(**p) for p in data["partners"]]
        data["suspended"] = LoadPartner(**data["suspended"])
        return cls(**data)


def _copies_of_demo_articles(count: int) -> None:
    """``count`` more released articles, made from the demo's as the demo loader makes its own."""
    items = json.loads(
        resources.files("syndication.demo").joinpath("articles.json").read_text("utf-8")
    )
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for n in range(count):
        item = dict(items[n % len(items)])
        item["slug"] = f"{item['slug']}-load-{n}"
        item["headline"] = f"{item['headline']} ({n + 1})"
        item["canonical_path"] = f"{item['canonical_path'].rstrip('/')}-load-{n}/"
        # A body of its own too: the importer knows a story by its text as well as its URL.
        item["paragraphs"] = [*item["paragraphs"], f"Load test copy {n + 1}."]
        item.pop("embargo_hours", None)
        articles.import_draft(
            loader._demo_draft(item, now),
            note="Load test",
            policy=SyndicationPolicy.FREE_ELIGIBLE,
            release=True,
            commit=False,
        )
    db.session.commit()


def _partner(n: int, name: str) -> Partner:
    domain = f"load{n}.example"
    partner = Partner(
        name=name,
        website=f"https://{domain}",
        outlet_type=OutletType(loader._data("partners.json")[0]["outlet_type"]),
        contact_name=f"Editor {n}",
        contact_email=f"editor@{domain}",
        monthly_unique_visitors=500_000,
        status=PartnerStatus.APPROVED,
        tier=PartnerTier.PREMIUM,
        terms_version=partners.current_terms(),
        terms_accepted_at=datetime.now(UTC) - timedelta(days=30),
        domains=[PartnerDomain(domain=domain)],
    )
    db.session.add(partner)
    db.session.flush()
    return partner


def _load_partner(n: int, name: str, article_ids: list[int], staff) -> LoadPartner:
    partner = _partner(n, name)
    email = f"editor@load{n}.example"
    user = users.create_user(
        email, Role.PARTNER, password=PASSWORD, partner=partner, partner_admin=True, commit=False
    )
    db.session.commit()
    _, key = apikeys.create_key(user, "load test")
    token = feeds.issue_feed_token(partner)
    held: list[int] = []
    for result in grants.request_articles(partner, article_ids, requested_by=user):
        grant = result.grant
        if grant is None and result.request.status is RequestStatus.PENDING:
            grant = grants.grant_request(result.request.id, actor=staff)
        if grant is not None:
            held.append(grant.id)
    requestable = sorted(set(_offered()) - set(article_ids))
    return LoadPartner(
        id=partner.id,
        email=email,
        api_key=key,
        feed_token=token,
        grants=held,
        pixels=["/" + pixels.pixel_url(g).split("/", 3)[3] for g in held],
        requestable=requestable,
    )


def _offered() -> list[int]:
    now = datetime.now(UTC)
    return list(
        db.session.scalars(
            sa.select(Article.id)
            .where(
                Article.offered_sql(),
                sa.or_(Article.embargo_until.is_(None), Article.embargo_until <= now),
            )
            .order_by(Article.id)
        )
    )


def seed(*, partner_count: int, extra_articles: int, grants_each: int) -> Fixtures:
    """Add what the traffic needs to the demo data and name the three staff actions' targets."""
    _copies_of_demo_articles(extra_articles)
    staff = users.find_by_email(STAFF_EMAIL)
    offered = _offered()
    if len(offered) < grants_each + 10:
        raise RuntimeError(f"only {len(offered)} articles offered; lower --grants-each")
    takedown = offered[0]
    # Everyone holds the article staff take down; each partner holds a different slice
    # of the rest, and can request what it does not hold.
    others = offered[1:]
    load = []
    for n in range(partner_count + 1):
        start = (n * grants_each // 2) % len(others)
        chosen = [takedown] + [others[(start + i) % len(others)] for i in range(grants_each)]
        name = f"Load Test Partner {n}" if n < partner_count else "Load Test Partner Suspended"
        load.append(_load_partner(n, name, chosen, staff))
    traffic, suspended = load[:partner_count], load[partner_count]
    takedown_grants = {p.id: grants.active_grant(p.id, takedown).id for p in (*traffic, suspended)}
    revoke = traffic[0].grants[1]  # not the takedown article's
    for partner in (*traffic, suspended):
        on_takedown = takedown_grants[partner.id]
        keep = [
            (g, px)
            for g, px in zip(partner.grants, partner.pixels, strict=True)
            if g not in (on_takedown, revoke)
        ]
        partner.grants, partner.pixels = [g for g, _ in keep], [px for _, px in keep]
        partner.requestable = [a for a in partner.requestable if a != takedown]
    return Fixtures(
        partners=traffic,
        revoke_grant=revoke,
        revoke_key=traffic[0].api_key,
        takedown_article=takedown,
        takedown_grant=takedown_grants[traffic[1].id],
        takedown_key=traffic[1].api_key,
        suspended=suspended,
    )
