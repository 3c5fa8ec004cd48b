"""Rule sets in the database: versioned, immutable once written, fed to the engine.

Every change (create, edit, reorder, deactivate) writes a new rule-set version
holding a full copy of the rules, so a grant that names a version can always
say exactly which rules applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from syndication import rules as engine
from syndication.extensions import db
from syndication.ingest.findings import strip_promo_markup
from syndication.models import Article, Rule, RuleSet, User
from syndication.models.base import utcnow
from syndication.rules.model import RuleValidationError, rule_from_dict, rule_to_dict
from syndication.rules.resolve import ArticleFacts
from syndication.services import audit, settings
from syndication.services.errors import DomainError, NotFound


def current() -> RuleSet:
    """The rule set in force: the newest version (version 1 holds the default rules)."""
    rule_set = db.session.scalar(sa.select(RuleSet).order_by(RuleSet.version.desc()).limit(1))
    if rule_set is None:
        rule_set = RuleSet(version=1, note="Default rules")
        for position, rule in enumerate(engine.default_rules()):
            rule_set.rules.append(_row(rule, position))
        db.session.add(rule_set)
        db.session.flush()
    return rule_set


def ensure_current() -> RuleSet:
    """The rule set in force, the default set written and committed on first use."""
    rule_set = current()
    db.session.commit()
    return rule_set


def history(limit: int = 20) -> list[RuleSet]:
    return list(
        db.session.scalars(sa.select(RuleSet).order_by(RuleSet.version.desc()).limit(limit))
    )


def _row(rule: engine.Rule, position: int) -> Rule:
    data = rule_to_dict(rule)
    return Rule(
        key=str(rule.id),
        name=rule.name,
        position=position,
        priority=rule.priority,
        active=rule.active,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
        conditions=data["conditions"],
        actions=data["actions"],
    )


def to_engine(row: Rule) -> engine.Rule:
    """The engine's Rule for a stored row (its stable key is the engine's id).

    Stored texts were trial-rendered when saved (validate_rule_data); a fresh
    worker compiles them without rendering them again, and every rendering is
    bounded anyway (rules.templates.RenderLimits).
    """
    return rule_from_dict(
        {
            "id": int(row.key),
            "name": row.name,
            "priority": row.priority,
            "active": row.active,
            "valid_from": row.valid_from.isoformat() if row.valid_from else None,
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            "conditions": row.conditions,
            "actions": row.actions,
        },
        trial_render=False,
    )


# Versions never change once written, so their engine form is built once.
# Keyed by id and creation time: ids alone can repeat across rolled-back tests.
_ENGINE_CACHE: dict[tuple[int, str], engine.RuleSet] = {}


def engine_rules(rule_set: RuleSet) -> engine.RuleSet:
    """The engine's sorted RuleSet for a stored version, built once per version."""
    key = (rule_set.id, rule_set.created_at.isoformat())
    cached = _ENGINE_CACHE.get(key)
    if cached is None:
        if len(_ENGINE_CACHE) > 64:
            _ENGINE_CACHE.clear()
        cached = _ENGINE_CACHE[key] = engine.RuleSet([to_engine(r) for r in rule_set.rules])
    return cached


def rules_in_order(rule_set: RuleSet) -> list[Rule]:
    """Rows in precedence order (highest priority first, then by key)."""
    return sorted(rule_set.rules, key=lambda r: (-r.priority, int(r.key)))


def validate_rule_data(data: dict[str, Any]) -> engine.Rule:
    """Build an engine Rule from form data, with template checks; RuleValidationError if bad."""
    rule = rule_from_dict(data)
    errors: dict[str, str] = {}
    for action in engine.TEXT_ACTIONS:
        source = getattr(rule.actions, action)
        if source:
            try:
                engine.validate_template(source)
            except engine.TemplateError as exc:
                errors[f"actions.{action}"] = str(exc)
    if errors:
        raise RuleValidationError(errors)
    return rule


def _new_version(actor: User, note: str, rows: list[engine.Rule]) -> RuleSet:
    latest = current()
    rule_set = RuleSet(version=latest.version + 1, note=note, created_by_id=actor.id)
    for position, rule in enumerate(sorted(rows, key=lambda r: (-r.priority, r.id))):
        rule_set.rules.append(_row(rule, position))
    db.session.add(rule_set)
    db.session.flush()
    audit.record(actor, "rule_set_saved", rule_set, version=rule_set.version, note=note)
    db.session.commit()
    return rule_set


def _engine_rows(rule_set: RuleSet) -> list[engine.Rule]:
    return [to_engine(row) for row in rule_set.rules]


def save_rule(actor: User, data: dict[str, Any], *, key: str | None = None) -> RuleSet:
    """Create (key None) or replace one rule; writes a new rule-set version."""
    latest = current()
    rows = _engine_rows(latest)
    if key is None:
        data = {**data, "id": max((r.id for r in rows), default=0) + 1}
        note = f"Added rule “{data.get('name', '')}”"
    else:
        if not any(str(r.id) == key for r in rows):
            raise NotFound("No such rule in the current rule set.")
        data = {**data, "id": int(key)}
        rows = [r for r in rows if str(r.id) != key]
        note = f"Edited rule “{data.get('name', '')}”"
    rule = validate_rule_data(data)
    return _new_version(actor, note, [*rows, rule])


def set_active(actor: User, key: str, active: bool) -> RuleSet:
    """Activate or deactivate one rule (a new version)."""
    rows = _engine_rows(current())
    target = next((r for r in rows if str(r.id) == key), None)
    if target is None:
        raise NotFound("No such rule in the current rule set.")
    changed = rule_from_dict({**rule_to_dict(target), "active": active})
    rows = [changed if r.id == target.id else r for r in rows]
    verb = "Activated" if active else "Deactivated"
    return _new_version(actor, f"{verb} rule “{target.name}”", rows)


def move(actor: User, key: str, direction: int) -> RuleSet:
    """Move a rule up (-1) or down (+1) in precedence by trading priorities with its neighbour."""
    ordered = sorted(_engine_rows(current()), key=lambda r: (-r.priority, r.id))
    index = next((i for i, r in enumerate(ordered) if str(r.id) == key), None)
    if index is None:
        raise NotFound("No such rule in the current rule set.")
    other = index + direction
    if not 0 <= other < len(ordered):
        raise DomainError("The rule is already at that end of the list.")
    a, b = ordered[index], ordered[other]
    if a.priority == b.priority:
        # Equal priorities tie on id; give the moved rule a real lead instead.
        new_a, new_b = (
            (b.priority + 1, b.priority) if direction < 0 else (b.priority - 1, b.priority)
        )
    else:
        new_a, new_b = b.priority, a.priority
    swapped = {
        a.id: rule_from_dict({**rule_to_dict(a), "priority": new_a}),
        b.id: rule_from_dict({**rule_to_dict(b), "priority": new_b}),
    }
    rows = [swapped.get(r.id, r) for r in ordered]
    return _new_version(actor, f"Moved rule “{a.name}” {'up' if direction < 0 else 'down'}", rows)


def article_facts(article: Article) -> ArticleFacts:
    return ArticleFacts(
        origin=article.origin.value,
        policy=article.policy.value,
        section=article.section,
        tags=frozenset(article.tags),
        published_at=article.published_at,
    )


def template_variables(
    article: Article, *, partner_name: str = "", partner_tier: str = "", licence_id: str = ""
) -> dict[str, str]:
    """The fixed variable set rule texts may use, for one article and partner."""
    org = settings.organisation()
    return {
        "organisation": org.name,
        "organisation_url": org.website_url,
        "licensing_email": org.licensing_email,
        "headline": article.headline,
        # Wire-style "By Staff" rather than naming the organisation twice in the credit.
        "byline": ", ".join(article.bylines) or "Staff",
        "canonical_url": article.canonical_url,
        "published_date": article.published_at.date().isoformat() if article.published_at else "",
        "partner_name": partner_name,
        "partner_tier": partner_tier,
        "licence_id": licence_id,
        "rights_holder": article.rights_holder or org.name,
        "licence_reference": article.licence_reference,
    }


@dataclass(frozen=True, slots=True)
class Preview:
    """What today's rules make of an article for a tier and format, and why."""

    rule_set: RuleSet
    resolution: engine.Resolution
    rendered: engine.RenderedTerms
    body: str


def preview(
    article: Article,
    *,
    tier: str,
    fmt: str,
    partner_name: str = "Example Partner",
    licence_id: str = "",
) -> Preview:
    """Resolve and render the rules in force for one article, tier and format.

    The staff preview and the API's article detail both ask this; grants
    freeze the same resolution into their terms (rules.snapshot).
    """
    rule_set = current()
    resolution = engine.resolve(
        engine_rules(rule_set), article_facts(article), engine.Context(tier, fmt, utcnow())
    )
    variables = template_variables(
        article, partner_name=partner_name, partner_tier=tier, licence_id=licence_id
    )
    body = article.body_html
    if resolution.value("strip_promos"):
        body = strip_promo_markup(body)
    return Preview(rule_set, resolution, engine.render_terms(resolution, variables, fmt), body)
