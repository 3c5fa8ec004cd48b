"""Rules as JSON: round trip and clear errors for bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from syndication.rules import (
    Actions,
    Conditions,
    Rule,
    RuleValidationError,
    default_rules,
    rule_from_dict,
    rule_to_dict,
)


def full_rule() -> Rule:
    return Rule(
        id=3,
        name="Licensed footer",
        priority=10,
        active=True,
        valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        valid_until=datetime(2025, 1, 1, tzinfo=UTC),
        conditions=Conditions(
            origins=frozenset({"original", "mixed"}),
            policies=frozenset({"licensed"}),
            sections=frozenset({"politics"}),
            tags=frozenset({"ukraine", "russia"}),
            partner_tiers=frozenset({"premium"}),
            formats=frozenset({"html", "page_html"}),
            published_from=datetime(2022, 1, 1, tzinfo=UTC),
            published_until=None,
        ),
        actions=Actions(
            footer="Licensed from {{ organisation }}.",
            credit_line="By {{ byline }}",
            originally_appeared=None,
            strip_promos=True,
            strip_third_party_assets=False,
            tracking_pixel=None,
            noindex=True,
            canonical_link=None,
        ),
    )


# Named by their names (pytest numbers the two "Licensed footer"s): a set's repr changes
# with each process's string hashing, and the suite's worker processes must collect the
# same names.
@pytest.mark.parametrize(
    "rule", [full_rule(), Rule(id=1, name="empty"), *default_rules()], ids=lambda rule: rule.name
)
def test_rule_round_trips_through_json(rule: Rule) -> None:
    data = json.loads(json.dumps(rule_to_dict(rule)))
    assert rule_from_dict(data) == rule
    assert rule_to_dict(rule_from_dict(data)) == data


def test_json_lists_are_sorted_so_equal_rules_serialise_equally() -> None:
    data = rule_to_dict(full_rule())
    assert data["conditions"]["tags"] == ["russia", "ukraine"]
    assert data["conditions"]["formats"] == ["html", "page_html"]


def test_missing_keys_mean_any_and_nothing() -> None:
    rule = rule_from_dict({"id": 9, "name": "minimal"})
    assert rule == Rule(id=9, name="minimal")
    assert rule.specificity == 0


def test_labels_are_normalised() -> None:
    rule = rule_from_dict(
        {"id": 1, "name": "x", "conditions": {"sections": ["  World  News "], "tags": ["UKRAINE"]}}
    )
    assert rule.conditions.sections == frozenset({"world news"})
    assert rule.conditions.tags == frozenset({"ukraine"})


def base(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": 1, "name": "rule", "conditions": {}, "actions": {}}
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data[section][field] = value
        else:
            data[section] = value
    return data


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (
            base(conditions__origins=["borrowed"]),
            "conditions.origins",
            "unknown value 'borrowed'; expected one of original, third_party, mixed",
        ),
        (base(conditions__policies=["free"]), "conditions.policies", "unknown value 'free'"),
        (base(conditions__formats=["pdf"]), "conditions.formats", "unknown value 'pdf'"),
        (base(conditions__tags="ukraine"), "conditions.tags", "must be a list of strings"),
        (base(conditions__sections=[""]), "conditions.sections", "non-empty strings"),
        (base(conditions__colour=["red"]), "conditions.colour", "unknown field"),
        (
            base(conditions__published_from="2022-01-01T00:00:00"),
            "conditions.published_from",
            "time zone",
        ),
        (
            base(conditions__published_from="yesterday"),
            "conditions.published_from",
            "not an ISO 8601",
        ),
        (
            base(
                conditions__published_from="2023-01-01T00:00:00+00:00",
                conditions__published_until="2022-01-01T00:00:00+00:00",
            ),
            "conditions.published_until",
            "later than published_from",
        ),
        (base(actions__strip_promos="yes"), "actions.strip_promos", "true, false or null"),
        (base(actions__footer=42), "actions.footer", "text or null"),
        (
            base(actions__footer="{{ orgnisation }}"),
            "actions.footer",
            "unknown variable 'orgnisation'",
        ),
        (base(actions__footer="{% if %}"), "actions.footer", "line 1: syntax error"),
        (base(actions__pixel=True), "actions.pixel", "unknown field"),
        (base(id="3"), "id", "must be an integer"),
        (base(id=True), "id", "must be an integer"),
        (base(priority=1.5), "priority", "must be an integer"),
        (base(active="yes"), "active", "true or false"),
        (base(name=""), "name", "non-empty"),
        (base(valid_from="2024-01-01"), "valid_from", "time zone"),
        (base(extra=1), "extra", "unknown field"),
        ({"name": "no id"}, "id", "is required"),
    ],
)
def test_bad_input_gets_a_clear_error(data: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(RuleValidationError) as caught:
        rule_from_dict(data)
    assert path in caught.value.errors
    assert message in caught.value.errors[path]
    assert f"{path}: " in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    data = base(conditions__origins=["borrowed"], actions__footer="{{ nope }}", valid_until="soon")
    with pytest.raises(RuleValidationError) as caught:
        rule_from_dict(data)
    assert set(caught.value.errors) == {"conditions.origins", "actions.footer", "valid_until"}


def test_rule_from_dict_refuses_a_non_object() -> None:
    with pytest.raises(RuleValidationError, match="must be an object"):
        rule_from_dict([])  # type: ignore[arg-type]


def test_dataclasses_validate_when_built_in_code() -> None:
    with pytest.raises(RuleValidationError, match="unknown value 'borrowed'"):
        Conditions(origins=frozenset({"borrowed"}))
    with pytest.raises(RuleValidationError, match="later than valid_from"):
        Rule(
            id=1,
            name="x",
            valid_from=datetime(2024, 1, 2, tzinfo=UTC),
            valid_until=datetime(2024, 1, 1, tzinfo=UTC),
        )


def test_specificity_counts_dimensions_not_values() -> None:
    conditions = full_rule().conditions
    # origins, policies, sections, tags, tiers, formats, date window
    assert conditions.specificity == 7
