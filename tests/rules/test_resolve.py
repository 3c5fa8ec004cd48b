"""Resolution: which rule decides each action, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from syndication.rules import (
    ACTIONS,
    DEFAULTS,
    Actions,
    ArticleFacts,
    Conditions,
    Context,
    Rule,
    RuleSet,
    resolve,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ARTICLE = ArticleFacts(
    origin="original",
    policy="licensed",
    section="Politics",
    tags=frozenset({"Ukraine", "Russia"}),
    published_at=datetime(2022, 3, 10, tzinfo=UTC),
)
HTML = Context(partner_tier="premium", output_format="html", now=NOW)


def make_rule(rule_id: int, *, priority: int = 0, **fields: Any) -> Rule:
    """A rule from flat keyword arguments: condition names take lists, action names values."""
    condition_names = set(Conditions.__dataclass_fields__) - {"specificity"}
    conditions = {
        k: frozenset(v) if isinstance(v, list) else v
        for k, v in fields.items()
        if k in condition_names
    }
    actions = {k: v for k, v in fields.items() if k in ACTIONS}
    rule_fields = {k: v for k, v in fields.items() if k in {"active", "valid_from", "valid_until"}}
    return Rule(
        id=rule_id,
        name=fields.get("name", f"rule {rule_id}"),
        priority=priority,
        conditions=Conditions(**conditions),
        actions=Actions(**actions),
        **rule_fields,
    )


# (scenario, rules, action, expected deciding rule id or None, expected value)
PRECEDENCE = [
    (
        "specific beats general",
        [make_rule(1, footer="general"), make_rule(2, policies=["licensed"], footer="licensed")],
        "footer",
        2,
        "licensed",
    ),
    (
        "more dimensions beat fewer, even with lower priority",
        [
            make_rule(1, priority=100, policies=["licensed"], footer="one"),
            make_rule(2, priority=0, policies=["licensed"], formats=["html"], footer="two"),
        ],
        "footer",
        2,
        "two",
    ),
    (
        "listing more values does not make a dimension more specific",
        [
            make_rule(1, priority=5, origins=["original", "mixed", "third_party"], footer="a"),
            make_rule(2, priority=1, origins=["original"], footer="b"),
        ],
        "footer",
        1,
        "a",
    ),
    (
        "priority breaks a specificity tie",
        [
            make_rule(1, priority=1, sections=["politics"], footer="low"),
            make_rule(2, priority=9, tags=["ukraine"], footer="high"),
        ],
        "footer",
        2,
        "high",
    ),
    (
        "lower id breaks an equal priority",
        [
            make_rule(7, priority=3, formats=["html"], footer="seven"),
            make_rule(4, priority=3, partner_tiers=["premium"], footer="four"),
        ],
        "footer",
        4,
        "four",
    ),
    (
        "inactive rule is ignored",
        [
            make_rule(1, footer="base"),
            make_rule(2, active=False, policies=["licensed"], footer="off"),
        ],
        "footer",
        1,
        "base",
    ),
    (
        "rule not yet in force is ignored",
        [
            make_rule(1, footer="base"),
            make_rule(
                2,
                valid_from=datetime(2025, 1, 1, tzinfo=UTC),
                policies=["licensed"],
                footer="later",
            ),
        ],
        "footer",
        1,
        "base",
    ),
    (
        "expired rule is ignored (valid_until is exclusive)",
        [
            make_rule(1, footer="base"),
            make_rule(2, valid_until=NOW, policies=["licensed"], footer="old"),
        ],
        "footer",
        1,
        "base",
    ),
    (
        "rule in force at its valid_from instant applies",
        [
            make_rule(1, footer="base"),
            make_rule(2, valid_from=NOW, policies=["licensed"], footer="new"),
        ],
        "footer",
        2,
        "new",
    ),
    (
        "per-action independence: specific footer rule leaves the general credit line",
        [
            make_rule(1, credit_line="By {{ byline }}", footer="general"),
            make_rule(2, policies=["licensed"], formats=["html"], footer="specific"),
        ],
        "credit_line",
        1,
        "By {{ byline }}",
    ),
    (
        "a rule that says nothing about an action does not block a general one",
        [
            make_rule(1, tracking_pixel=True),
            make_rule(2, policies=["licensed"], formats=["html"], priority=50, footer="x"),
        ],
        "tracking_pixel",
        1,
        True,
    ),
    (
        "an explicit False from a specific rule beats a general True",
        [
            make_rule(1, tracking_pixel=True),
            make_rule(2, partner_tiers=["premium"], tracking_pixel=False),
        ],
        "tracking_pixel",
        2,
        False,
    ),
    (
        "an empty footer is a decision and beats a general footer",
        [make_rule(1, footer="general"), make_rule(2, sections=["politics"], footer="")],
        "footer",
        2,
        "",
    ),
    (
        "non-matching condition: tag the article does not carry",
        [make_rule(1, footer="base"), make_rule(2, tags=["sport"], footer="sport")],
        "footer",
        1,
        "base",
    ),
    (
        "tags match if the article has any of them, case-insensitively",
        [make_rule(1, footer="base"), make_rule(2, tags=["SPORT", "ukraine"], footer="war")],
        "footer",
        2,
        "war",
    ),
    (
        "publish-date window matches the article's date",
        [
            make_rule(1, footer="base"),
            make_rule(
                2,
                published_from=datetime(2022, 1, 1, tzinfo=UTC),
                published_until=datetime(2023, 1, 1, tzinfo=UTC),
                footer="2022",
            ),
        ],
        "footer",
        2,
        "2022",
    ),
    (
        "publish-date window excludes other dates",
        [
            make_rule(1, footer="base"),
            make_rule(2, published_from=datetime(2023, 1, 1, tzinfo=UTC), footer="new"),
        ],
        "footer",
        1,
        "base",
    ),
    (
        "no rule sets it: documented default",
        [make_rule(1, footer="x")],
        "strip_third_party_assets",
        None,
        True,
    ),
    ("no rule at all: no footer is still a decision", [], "footer", None, None),
]


@pytest.mark.parametrize(
    ("rules", "action", "rule_id", "value"),
    [pytest.param(*row[1:], id=row[0]) for row in PRECEDENCE],
)
def test_precedence_table(
    rules: list[Rule], action: str, rule_id: int | None, value: object
) -> None:
    decision = resolve(rules, ARTICLE, HTML).decisions[action]
    assert decision.rule_id == rule_id
    assert decision.value == value


def test_precedence_does_not_depend_on_input_order() -> None:
    rules = [make_rule(i, priority=i % 3, formats=["html"], footer=f"r{i}") for i in range(1, 6)]
    assert resolve(rules, ARTICLE, HTML) == resolve(list(reversed(rules)), ARTICLE, HTML)
    # Priorities are 1, 2, 0, 1, 2: ids 2 and 5 tie on priority 2, the lower id wins.
    assert resolve(rules, ARTICLE, HTML).decisions["footer"].rule_id == 2


def test_every_action_has_a_decision_with_a_reason() -> None:
    resolution = resolve([], ARTICLE, HTML)
    assert list(resolution.decisions) == list(ACTIONS)
    for action, decision in resolution.decisions.items():
        assert decision.value == DEFAULTS[action]
        assert decision.reason.startswith(f"no applicable rule sets {action}")


def test_reason_names_rule_conditions_and_priority() -> None:
    rule = make_rule(
        3, name="Licensed footer", priority=10, policies=["licensed"], formats=["html"], footer="x"
    )
    decision = resolve([rule], ARTICLE, HTML).decisions["footer"]
    assert (
        decision.reason
        == "rule #3 'Licensed footer' (2 conditions: policy=licensed, format=html; priority 10)"
    )


def test_reason_lists_the_rules_it_beat() -> None:
    rules = [make_rule(1, footer="a"), make_rule(2, policies=["licensed"], footer="b")]
    decision = resolve(rules, ARTICLE, HTML).decisions["footer"]
    assert [rule.id for rule in decision.overridden] == [1]
    assert decision.reason.endswith("takes precedence over #1")


def test_preview_shows_matched_and_unmatched_with_failing_condition() -> None:
    rules = [
        make_rule(1, footer="a"),
        make_rule(2, policies=["free_eligible"], footer="b"),
        make_rule(3, formats=["text"], footer="c"),
        make_rule(4, active=False, footer="d"),
        make_rule(5, partner_tiers=["standard"], footer="e"),
        make_rule(6, sections=["sport"], footer="f"),
        make_rule(7, valid_until=datetime(2020, 1, 1, tzinfo=UTC), footer="g"),
    ]
    resolution = resolve(rules, ARTICLE, HTML)
    assert [o.rule.id for o in resolution.matched] == [1]
    reasons = {o.rule.id: o.reason for o in resolution.unmatched}
    assert reasons == {
        2: "policy is licensed, rule wants free_eligible",
        3: "format is html, rule wants text",
        4: "switched off",
        5: "partner tier is premium, rule wants standard",
        6: "section is politics, rule wants sport",
        7: "expired at 2020-01-01T00:00:00+00:00",
    }


def test_rule_on_publish_date_does_not_match_undated_article() -> None:
    undated = ArticleFacts(origin="original", policy="licensed")
    rule = make_rule(1, published_from=datetime(2020, 1, 1, tzinfo=UTC), footer="x")
    resolution = resolve([rule], undated, HTML)
    assert resolution.unmatched[0].reason.startswith("article has no publish date")


def test_tier_rule_does_not_match_without_a_partner() -> None:
    rule = make_rule(1, partner_tiers=["premium"], footer="x")
    resolution = resolve([rule], ARTICLE, (None, "html", NOW))
    assert resolution.decisions["footer"].rule is None
    assert resolution.unmatched[0].reason == "partner tier is (no partner), rule wants premium"


def test_context_may_be_a_plain_tuple() -> None:
    assert resolve([], ARTICLE, ("premium", "html", NOW)) == resolve([], ARTICLE, HTML)


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate rule id 1"):
        resolve([make_rule(1), make_rule(1)], ARTICLE, HTML)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": "borrowed", "policy": "licensed"}, "unknown origin 'borrowed'"),
        ({"origin": "original", "policy": "free"}, "unknown policy 'free'"),
        (
            {"origin": "original", "policy": "licensed", "published_at": datetime(2022, 1, 1)},
            "time zone",
        ),
    ],
)
def test_article_facts_are_validated(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ArticleFacts(**kwargs)


def test_context_refuses_unknown_format_and_naive_now() -> None:
    with pytest.raises(ValueError, match="unknown output format 'pdf'"):
        Context("premium", "pdf", NOW)
    with pytest.raises(ValueError, match="time zone"):
        Context("premium", "html", datetime(2024, 1, 1))


def test_a_prepared_rule_set_resolves_like_the_plain_list() -> None:
    rules = [
        make_rule(i, priority=i % 2, sections=["politics"] if i % 3 else [], footer=f"r{i}")
        for i in range(1, 8)
    ]
    assert resolve(RuleSet(rules), ARTICLE, HTML) == resolve(rules, ARTICLE, HTML)
    with pytest.raises(ValueError, match="duplicate rule id 2"):
        RuleSet([make_rule(2), make_rule(1), make_rule(2)])


def test_matched_and_unmatched_are_listed_strongest_first() -> None:
    rules = [
        make_rule(1, footer="a"),
        make_rule(2, priority=5, footer="b"),
        make_rule(3, policies=["licensed"], footer="c"),
        make_rule(4, formats=["text"]),
        make_rule(5, formats=["text"], sections=["sport"]),
    ]
    resolution = resolve(rules, ARTICLE, HTML)
    assert [o.rule.id for o in resolution.matched] == [3, 2, 1]
    assert [o.rule.id for o in resolution.unmatched] == [5, 4]
    assert all(o.matched for o in resolution.matched)
    assert resolution.matched[0].reason.startswith("applies: rule #3")
