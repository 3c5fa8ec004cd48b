"""Factory fixtures: each returns a function that makes one object, committed."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from syndication.extensions import db
from syndication.ingest.drafts import ArticleDraft
from syndication.models import (
    ApiKey,
    ArticleRequest,
    Grant,
    Origin,
    OutletType,
    Partner,
    PartnerDomain,
    PartnerStatus,
    PartnerTier,
    RequestStatus,
    Role,
    SyndicationPolicy,
)
from syndication.security import new_api_key
from syndication.services import articles, grants, importing, package_sources, users
from syndication.services import two_factor as two_factor_service
from syndication.services.package_sources import Source

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def totp_code(user, step: int) -> str:
    """The code an authenticator app holding the user's secret shows at time step ``step``."""
    return pyotp.TOTP(two_factor_service.secret_of(user)).generate_otp(step)


def current_step(user) -> int:
    secret = two_factor_service.secret_of(user) or pyotp.random_base32()
    return pyotp.TOTP(secret).timecode(datetime.now(UTC))


@pytest.fixture
def make_user():
    """A user with the factory password; staff and admins have their second factor set up
    (as they must), with the code of the previous time step, so this step's is still fresh."""

    def make(
        role: Role | str = Role.STAFF,
        *,
        partner=None,
        email: str | None = None,
        two_factor: bool | None = None,
        **kw,
    ):
        email = email or f"user{next(_counter)}@example.org"
        user = users.create_user(email, role, password=PASSWORD, partner=partner, **kw)
        if two_factor if two_factor is not None else user.is_staff:
            secret = two_factor_service.new_secret()
            step = pyotp.TOTP(secret).timecode(datetime.now(UTC)) - 1
            two_factor_service.enable(user, secret, pyotp.TOTP(secret).generate_otp(step))
        return user

    return make


def new_partner(status: PartnerStatus = PartnerStatus.APPROVED, **kw) -> Partner:
    """A partner of its own outlet, committed (in whatever app context is current: the
    test's, or the browser tests' live server's)."""
    n = next(_counter)
    partner = Partner(
        name=kw.pop("name", f"Partner Outlet {n}"),
        website=f"https://outlet{n}.example",
        outlet_type=OutletType.NEWSPAPER,
        contact_name="Pat Contact",
        contact_email=f"pat@outlet{n}.example",
        monthly_unique_visitors=kw.pop("monthly_unique_visitors", 250_000),
        status=status,
        tier=PartnerTier.STANDARD if status is not PartnerStatus.APPLIED else None,
        domains=[PartnerDomain(domain=f"outlet{n}.example")],
        **kw,
    )
    db.session.add(partner)
    db.session.commit()
    return partner


@pytest.fixture
def make_partner():
    return new_partner


@pytest.fixture
def make_article():
    def make(
        policy: SyndicationPolicy = SyndicationPolicy.FREE_ELIGIBLE,
        origin: Origin = Origin.ORIGINAL,
        **kw,
    ):
        n = next(_counter)
        draft = ArticleDraft(
            headline=kw.pop("headline", f"Test article number {n}"),
            body_html=kw.pop("body_html", "<p>First paragraph.</p><p>Second paragraph.</p>"),
            published_at=kw.pop("published_at", datetime.now(UTC) - timedelta(days=1)),
            source_id=f"test:{n}",
            **kw,
        )
        # Staff have confirmed its rights: released from intake.
        return articles.import_draft(draft, origin=origin, policy=policy, release=True).article

    return make


@pytest.fixture
def make_grant():
    """A grant issued through the real service, with a real terms snapshot."""

    def make(partner: Partner, article) -> Grant:
        request = ArticleRequest(
            batch=str(uuid.uuid4()),
            partner=partner,
            article=article,
            status=RequestStatus.GRANTED,
        )
        db.session.add(request)
        db.session.flush()
        grant = grants.issue_grant(request, actor=None)
        db.session.commit()
        return grant

    return make


@pytest.fixture
def make_api_key():
    def make(partner: Partner, label: str = "CMS") -> tuple[ApiKey, str]:
        secret, prefix, digest = new_api_key()
        key = ApiKey(partner=partner, label=label, prefix=prefix, key_hash=digest)
        db.session.add(key)
        db.session.commit()
        return key, secret

    return make


SEED_FILE = "dcnf-2022-03-10-kuleba-lavrov.txt"


@pytest.fixture
def seed_path(shared_dir):
    """The real seed article in the shared corpus."""
    return shared_dir / "corpus" / "seed" / SEED_FILE


@pytest.fixture
def seed_footer(seed_path) -> str:
    """The organisation footer exactly as it ends the seed file."""
    return seed_path.read_text("utf-8").split("\n\n")[-1]


@pytest.fixture
def seed_article(seed_path):
    """The seed article imported through the real importer and service."""
    (draft,) = importing.drafts_from_file(
        seed_path, headline="Kuleba and Lavrov", canonical_url="https://dcnf.example/kuleba/"
    )
    return articles.import_draft(
        draft, origin=Origin.ORIGINAL, policy=SyndicationPolicy.FREE_ELIGIBLE, release=True
    ).article


@pytest.fixture
def seed_grant(seed_article, make_partner, make_user, make_grant):
    """A partner (user ed@p.example) holding a grant for the seed article."""
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="ed@p.example")
    return make_grant(partner, seed_article)


def source_of(grant: Grant) -> Source:
    """A grant's package source, whatever the grant's state."""
    return package_sources.for_grants([grant.id], grant.partner_id)[grant.id]


@pytest.fixture
def source_loads(monkeypatch) -> list[tuple[int, ...]]:
    """The grant ids of every package-input load from here on: empty means served from memory."""
    loads: list[tuple[int, ...]] = []
    real = package_sources.for_grants

    def counting(grant_ids, partner_id):
        grant_ids = tuple(grant_ids)
        loads.append(grant_ids)
        return real(grant_ids, partner_id)

    monkeypatch.setattr(package_sources, "for_grants", counting)
    return loads


@pytest.fixture
def correct(make_user):
    """A function making a staff correction of an article: a new revision with this body."""

    def make(article, body_html: str, headline: str = "Kuleba and Lavrov: corrected"):
        return articles.edit_content(
            article,
            actor=make_user(Role.STAFF),
            headline=headline,
            dek="",
            body_html=body_html,
            note="Correction",
        )

    return make


def record_views(grant: Grant, day, *, counted: int, raw: int, domain: str = "") -> None:
    """Add a day's views of a grant to every roll-up, as the hit flush does (not committed).

    The reports read only these tables; the flush that fills them from pixel hits
    has tests of its own.
    """
    from syndication.models import (
        DailyArticleViews,
        DailyDomainViews,
        DailyGrantViews,
        DailyPartnerViews,
        DailyTotalViews,
    )
    from syndication.services import view_months

    domain = domain or grant.partner.domains[0].domain
    for model, key in (
        (DailyGrantViews, {"grant_id": grant.id, "domain": domain}),
        (DailyArticleViews, {"article_id": grant.article_id}),
        (DailyPartnerViews, {"partner_id": grant.partner_id}),
        (DailyDomainViews, {"domain": domain}),
        (DailyTotalViews, {}),
    ):
        row = db.session.get(model, {**key, "day": day})
        if row is None:
            extra = (
                {"article_id": grant.article_id, "partner_id": grant.partner_id}
                if model is DailyGrantViews
                else {}
            )
            row = model(**key, **extra, day=day, raw=0, counted=0)
            db.session.add(row)
        row.raw += raw
        row.counted += counted
    view_months.note_changes([day])
    db.session.flush()


@pytest.fixture
def add_views():
    """record_views as a fixture, committed."""

    def add(grant: Grant, day, *, counted: int, raw: int, domain: str = "") -> None:
        record_views(grant, day, counted=counted, raw=raw, domain=domain)
        db.session.commit()

    return add
