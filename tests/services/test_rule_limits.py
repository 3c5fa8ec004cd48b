"""Rule texts: refused at save when they exceed the limits; loaded without a trial render."""

from __future__ import annotations

import pytest

from syndication.extensions import db
from syndication.models import Role, Rule, RuleSet
from syndication.rules import templates
from syndication.rules.templates import TemplateError
from syndication.services import rulesets
from tests.services.test_grants import _rule_form


def test_the_probes_template_is_refused_when_the_rule_is_saved(client, auth, make_user):
    staff = make_user(Role.STAFF)
    auth.login(staff.email)
    before = rulesets.ensure_current().version
    response = client.post(
        "/staff/rules/new", data=_rule_form(footer="{{ organisation*10000*300 }}")
    )
    assert response.status_code == 422
    assert "repetition too large" in response.text
    assert rulesets.current().version == before


def test_stored_rules_are_not_trial_rendered_again_when_loaded(make_article):
    # A text stored before the limits (it renders 1,000-character headlines 32 times):
    # loading it costs no trial render, and rendering it stops at the output limit.
    latest = rulesets.ensure_current()
    stored = RuleSet(version=latest.version + 1, note="Old rule")
    for row in latest.rules:
        stored.rules.append(
            Rule(
                key=row.key,
                name=row.name,
                position=row.position,
                priority=row.priority,
                active=row.active,
                conditions=row.conditions,
                actions=row.actions,
            )
        )
    stored.rules.append(
        Rule(
            key="999",
            name="Old and unbounded",
            position=99,
            priority=10_000,
            active=True,
            # As specific as a rule gets, so its footer wins.
            conditions={
                "origins": ["original"],
                "policies": ["free_eligible"],
                "formats": ["text"],
                "partner_tiers": ["standard"],
            },
            actions={"footer": "{% for c in headline %}{{ organisation }}{% endfor %}"},
        )
    )
    db.session.add(stored)
    db.session.commit()
    trials = templates._problem.cache_info()
    rulesets.engine_rules(stored)
    after = templates._problem.cache_info()
    assert (after.hits, after.misses) == (trials.hits, trials.misses)
    article = make_article(headline="Long " * 99)
    with pytest.raises(TemplateError, match="renders more than 10,000 characters"):
        rulesets.preview(article, tier="standard", fmt="text")
