"""The partner lifecycle table and the eligibility recommendation."""

from __future__ import annotations

import itertools

import pytest

from syndication.policy.eligibility import Application, Policy, recommend
from syndication.policy.lifecycle import (
    Action,
    InvalidTransition,
    Status,
    allowed_actions,
    transition,
)

ALLOWED = {
    (Status.APPLIED, Action.APPROVE): Status.APPROVED,
    (Status.APPLIED, Action.REJECT): Status.REJECTED,
    (Status.APPROVED, Action.SUSPEND): Status.SUSPENDED,
    (Status.APPROVED, Action.TERMINATE): Status.TERMINATED,
    (Status.SUSPENDED, Action.REINSTATE): Status.APPROVED,
    (Status.SUSPENDED, Action.TERMINATE): Status.TERMINATED,
}


@pytest.mark.parametrize(
    ("current", "action"),
    list(itertools.product(Status, Action)),
    ids=lambda v: v.value,
)
def test_every_transition_is_allowed_or_refused_as_the_table_says(current, action):
    expected = ALLOWED.get((current, action))
    if expected is None:
        with pytest.raises(InvalidTransition) as refused:
            transition(current, action)
        assert current.value in str(refused.value)
    else:
        assert transition(current, action) is expected


def test_refusal_names_what_is_allowed():
    with pytest.raises(InvalidTransition, match="allowed actions: suspend, terminate"):
        transition("approved", "approve")


def test_terminated_and_rejected_are_final():
    assert allowed_actions(Status.TERMINATED) == []
    assert allowed_actions(Status.REJECTED) == []


POLICY = Policy(
    min_monthly_unique_visitors=100_000,
    min_newsletter_subscribers=50_000,
    min_print_circulation=25_000,
    blocked_domains=["spam.example"],
    required_fields=["intended_use"],
)


def _app(**kw) -> Application:
    return Application(
        domains=kw.pop("domains", ["news.example"]),
        fields=kw.pop("fields", {"intended_use": "Republish politics coverage"}),
        **kw,
    )


def test_visitors_below_threshold_is_explained():
    rec = recommend(_app(monthly_unique_visitors=40_000), POLICY)
    assert not rec.approve
    assert "monthly unique visitors 40,000 is below the 100,000 threshold" in rec.reasons


def test_visitors_meeting_threshold_recommends_approval():
    rec = recommend(_app(monthly_unique_visitors=100_000), POLICY)
    assert rec.approve
    assert rec.reasons == ("monthly unique visitors 100,000 meets the 100,000 threshold",)


def test_newsletter_threshold_is_an_alternative():
    rec = recommend(_app(monthly_unique_visitors=1_000, newsletter_subscribers=60_000), POLICY)
    assert rec.approve
    assert rec.reasons == ("newsletter subscribers 60,000 meets the 50,000 threshold",)


def test_print_threshold_is_an_alternative():
    rec = recommend(_app(print_circulation=30_000), POLICY)
    assert rec.approve
    assert "print circulation 30,000 meets the 25,000 threshold" in rec.reasons


def test_every_shortfall_is_listed_when_none_is_met():
    rec = recommend(_app(monthly_unique_visitors=10, newsletter_subscribers=20), POLICY)
    assert rec.reasons == (
        "monthly unique visitors 10 is below the 100,000 threshold",
        "newsletter subscribers 20 is below the 50,000 threshold",
        "print circulation not given (threshold 25,000)",
    )


def test_unset_alternative_threshold_is_ignored():
    policy = Policy(min_monthly_unique_visitors=100_000)
    rec = recommend(_app(newsletter_subscribers=10**9), policy)
    assert rec.reasons == ("monthly unique visitors not given (threshold 100,000)",)


def test_blocked_domain_and_subdomain_recommend_rejection_whatever_the_audience():
    for domain in ("spam.example", "www.spam.example"):
        rec = recommend(_app(domains=[domain], monthly_unique_visitors=10**7), POLICY)
        assert not rec.approve
        assert rec.reasons[0].startswith(f"domain {domain} is blocked")


def test_missing_required_field_recommends_rejection():
    rec = recommend(_app(fields={}, monthly_unique_visitors=10**7), POLICY)
    assert rec.reasons == ("required field intended use is missing",)
