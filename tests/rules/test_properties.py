"""Properties of resolution over random rule sets: deterministic, total, order-free."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from syndication.rules import (
    ACTIONS,
    FLAG_ACTIONS,
    FORMATS,
    ORIGINS,
    POLICIES,
    TEXT_ACTIONS,
    Actions,
    ArticleFacts,
    Conditions,
    Context,
    Rule,
    render_terms,
    resolve,
    rule_from_dict,
    rule_to_dict,
)

# Small pools so that random rules and articles actually meet.
SECTIONS = ["politics", "world", "sport"]
TAGS = ["ukraine", "russia", "energy", "election"]
TIERS = ["standard", "premium"]
INSTANTS = [datetime(year, 1, 1, tzinfo=UTC) for year in (2020, 2022, 2024, 2026)]
TEXTS = [
    "",
    "Content created by {{ organisation }}. Contact {{ licensing_email }}.",
    "By {{ byline }}, {{ organisation }}",
    "Originally on {{ canonical_url }}",
    "{{ headline|upper }} for {{ partner_name }} ({{ licence_id }})",
]
TEXT_VALUES = st.sampled_from([None, *TEXTS])
FLAG_VALUES = st.sampled_from([None, True, False])
MAYBE_INSTANT = st.sampled_from([None, *INSTANTS])
VARIABLES = {
    "organisation": "The Foundation",
    "licensing_email": "licensing@example.org",
    "byline": "A. Writer",
    "canonical_url": "https://example.org/a",
    "headline": "A <b>headline</b> & more",
    "partner_name": "Gazette",
    "licence_id": "L-1",
}


def subsets(pool: list[str] | tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    # Small sets, often empty ("any"), so that many rules apply and precedence is
    # exercised; one flat strategy per dimension keeps data generation cheap.
    return st.frozensets(st.sampled_from(pool), max_size=2)


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime | None, datetime | None]:
    start = draw(MAYBE_INSTANT)
    end = draw(MAYBE_INSTANT)
    if start is not None and end is not None and start >= end:
        start, end = (end, start) if end < start else (start, None)
    return start, end


@st.composite
def conditions(draw: st.DrawFn) -> Conditions:
    published_from, published_until = draw(windows())
    return Conditions(
        origins=draw(subsets(ORIGINS)),
        policies=draw(subsets(POLICIES)),
        sections=draw(subsets(SECTIONS)),
        tags=draw(subsets(TAGS)),
        partner_tiers=draw(subsets(TIERS)),
        formats=draw(subsets(FORMATS)),
        published_from=published_from,
        published_until=published_until,
    )


@st.composite
def actions(draw: st.DrawFn) -> Actions:
    values: dict[str, str | bool | None] = {}
    for name in TEXT_ACTIONS:
        values[name] = draw(TEXT_VALUES)
    for name in FLAG_ACTIONS:
        values[name] = draw(FLAG_VALUES)
    return Actions(**values)  # type: ignore[arg-type]


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=10))
    rules = []
    for rule_id in ids:
        valid_from, valid_until = draw(windows())
        rules.append(
            Rule(
                id=rule_id,
                name=f"rule {rule_id}",
                # A narrow priority range forces ties, so the id tie-break is exercised.
                priority=draw(st.integers(-1, 2)),
                active=draw(st.booleans()),
                valid_from=valid_from,
                valid_until=valid_until,
                conditions=draw(conditions()),
                actions=draw(actions()),
            )
        )
    return rules


articles = st.builds(
    ArticleFacts,
    origin=st.sampled_from(ORIGINS),
    policy=st.sampled_from(POLICIES),
    section=st.sampled_from(["", *SECTIONS]),
    tags=st.frozensets(st.sampled_from(TAGS)),
    published_at=MAYBE_INSTANT,
)
contexts = st.builds(
    Context,
    partner_tier=st.one_of(st.none(), st.sampled_from(TIERS)),
    output_format=st.sampled_from(FORMATS),
    now=st.sampled_from(INSTANTS),
)


def applies(rule: Rule, article: ArticleFacts, context: Context) -> bool:
    """Independent restatement of "this rule applies", to check resolve against."""
    c = rule.conditions
    in_force = (rule.valid_from is None or rule.valid_from <= context.now) and (
        rule.valid_until is None or context.now < rule.valid_until
    )
    dated = article.published_at
    return (
        rule.active
        and in_force
        and (not c.origins or article.origin in c.origins)
        and (not c.policies or article.policy in c.policies)
        and (not c.sections or article.section in c.sections)
        and (not c.tags or bool(c.tags & article.tags))
        and (not c.partner_tiers or context.partner_tier in c.partner_tiers)
        and (not c.formats or context.output_format in c.formats)
        and (c.published_from is None or (dated is not None and c.published_from <= dated))
        and (c.published_until is None or (dated is not None and dated < c.published_until))
    )


@settings(max_examples=60)
@given(rule_sets(), articles, contexts)
def test_resolution_is_deterministic(
    rules: list[Rule], article: ArticleFacts, context: Context
) -> None:
    first = resolve(rules, article, context)
    assert resolve(list(rules), article, context) == first
    assert first.explain() == resolve(rules, article, context).explain()
    assert render_terms(first, VARIABLES) == render_terms(
        resolve(rules, article, context), VARIABLES
    )


@settings(max_examples=100)
@given(rule_sets(), articles, contexts, st.randoms(use_true_random=False))
def test_resolution_is_stable_when_rules_are_reordered(
    rules: list[Rule], article: ArticleFacts, context: Context, random: st.SearchStrategy
) -> None:
    shuffled = list(rules)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    before, after = resolve(rules, article, context), resolve(shuffled, article, context)
    assert after == before
    assert after.explain() == before.explain()
    assert [o.reason for o in after.unmatched] == [o.reason for o in before.unmatched]


@settings(max_examples=50)
@given(
    rule_sets(), articles, st.one_of(st.none(), st.sampled_from(TIERS)), st.sampled_from(INSTANTS)
)
def test_every_format_gets_a_decision_for_every_action(
    rules: list[Rule], article: ArticleFacts, tier: str | None, now: datetime
) -> None:
    for fmt in FORMATS:
        resolution = resolve(rules, article, Context(tier, fmt, now))
        assert tuple(resolution.decisions) == ACTIONS
        assert resolution.decisions["footer"].reason
        terms = render_terms(resolution, VARIABLES)
        assert terms.footer is None or isinstance(terms.footer, str)


@settings(max_examples=100)
@given(rule_sets(), articles, contexts)
def test_winner_is_the_most_specific_then_highest_priority_then_lowest_id(
    rules: list[Rule], article: ArticleFacts, context: Context
) -> None:
    resolution = resolve(rules, article, context)
    applying = [rule for rule in rules if applies(rule, article, context)]
    assert {o.rule.id for o in resolution.matched} == {rule.id for rule in applying}
    assert len(resolution.matched) + len(resolution.unmatched) == len(rules)
    for action in ACTIONS:
        setters = [rule for rule in applying if rule.actions.get(action) is not None]
        decision = resolution.decisions[action]
        if not setters:
            assert decision.rule is None
            continue
        best = max(setters, key=lambda r: (r.conditions.specificity, r.priority, -r.id))
        assert decision.rule == best
        assert decision.value == best.actions.get(action)


@settings(max_examples=40)
@given(rule_sets())
def test_rules_round_trip_through_json(rules: list[Rule]) -> None:
    for rule in rules:
        data = json.loads(json.dumps(rule_to_dict(rule)))
        assert rule_from_dict(data) == rule
