"""Demo data: a living app on first run, and loading it again changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from syndication.demo.loader import load_demo
from syndication.extensions import db
from syndication.models import Article, Partner, PartnerStatus, SyndicationPolicy, User


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_demo_covers_every_policy_and_partner_status():
    load_demo()
    assert _count(Article) >= 30
    for policy in SyndicationPolicy:
        assert _count(Article, Article.policy == policy) > 0, policy
    for status in PartnerStatus:
        assert _count(Partner, Partner.status == status) > 0, status
    assert _count(Article, Article.embargo_until.is_not(None)) > 0
    assert _count(User, User.email == "staff@example.org") == 1


def test_demo_includes_the_seed_article_without_its_footer():
    load_demo()
    seed = db.session.scalar(sa.select(Article).where(Article.headline.contains("Kuleba")))
    assert seed is not None
    assert "Content created by" not in seed.body_html


def test_demo_marks_third_party_photos_not_syndicatable():
    load_demo()
    from syndication.models import Asset

    assert _count(Asset, Asset.syndicatable.is_(False)) > 0
    assert _count(Asset, Asset.syndicatable.is_(True)) > 0


def test_loading_the_demo_twice_changes_nothing():
    load_demo()
    counts = (_count(Article), _count(Partner), _count(User))
    assert load_demo() == [f"demo data already loaded ({counts[0]} articles)"]
    assert (_count(Article), _count(Partner), _count(User)) == counts


def test_the_demo_leaves_two_other_publishers_stories_in_intake(app):
    from syndication.demo.loader import load_demo
    from syndication.models import IntakeState, Origin
    from syndication.services import intake

    load_demo()
    waiting = intake.waiting()
    assert len(waiting) == 2
    assert {a.origin for a in waiting} == {Origin.THIRD_PARTY}
    assert all(a.intake is IntakeState.AWAITING_REVIEW for a in waiting)
    load_demo()
    assert intake.waiting_count() == 2, "loading again adds nothing"


def test_demo_staff_pass_the_second_factor_with_the_published_key():
    # The secret is stored sealed like any other, so the login's second step can open it.
    import pyotp

    from syndication.demo.loader import DEMO_TOTP_SECRET, STAFF_LOGINS
    from syndication.services import two_factor, users

    load_demo()
    for email, _, _ in STAFF_LOGINS:
        user = users.find_by_email(email)
        assert two_factor.secret_of(user) == DEMO_TOTP_SECRET
        assert two_factor.verify(user, pyotp.TOTP(DEMO_TOTP_SECRET).now()) == "totp"


def test_the_demo_readership_fills_the_reports_through_the_pixel_once():
    from datetime import timedelta

    from syndication.demo.traffic import load_traffic
    from syndication.models import Copy, CopyFlag, FlagKind
    from syndication.models.base import utcnow
    from syndication.services import reports

    load_demo()
    (summary,) = load_traffic()
    assert "grants read" in summary
    today = utcnow().date()
    period = reports.Period.of(today - timedelta(days=29), today)
    views = reports.views_over_time(reports.Scope(), period)
    counted = sum(row[1] for row in views.rows)
    raw = sum(row[2] for row in views.rows)
    # Crawlers and prefetches were hits, not views.
    assert 0 < counted < raw
    assert reports.top_articles(reports.Scope(), period).rows
    assert _count(Copy) > 0
    assert _count(CopyFlag, CopyFlag.kind == FlagKind.UNKNOWN_DOMAIN) > 0
    assert load_traffic() == ["demo readership already loaded"]
    assert sum(row[2] for row in reports.views_over_time(reports.Scope(), period).rows) == raw
