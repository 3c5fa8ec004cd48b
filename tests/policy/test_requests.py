"""Which requests are granted at once, queued, or refused, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syndication.policy.requests import (
    InvalidRequestTransition,
    Outcome,
    RequestState,
    decide_request,
    move,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _verdict(**kw):
    facts = {
        "partner_status": "approved",
        "policy": "free_eligible",
        "embargo_until": None,
        "expires_at": None,
        "now": NOW,
    }
    facts.update(kw)
    return decide_request(**facts)


@pytest.mark.parametrize(
    ("facts", "outcome", "reason"),
    [
        ({}, Outcome.GRANT, "granted at once"),
        ({"policy": "licensed"}, Outcome.QUEUE, "licensing staff will review"),
        ({"policy": "not_syndicated"}, Outcome.REFUSE, "not offered for syndication"),
        ({"embargo_until": NOW + timedelta(hours=3)}, Outcome.WAIT, "automatically when"),
        ({"monthly_quota": 5, "used_this_month": 5}, Outcome.QUEUE, "monthly quota of 5"),
        ({"monthly_quota": 5, "used_this_month": 4}, Outcome.GRANT, "granted at once"),
        ({"embargo_until": NOW - timedelta(hours=3)}, Outcome.GRANT, "granted at once"),
        ({"expires_at": NOW}, Outcome.REFUSE, "ended on 25 Nov 2026"),
        ({"partner_status": "suspended"}, Outcome.REFUSE, "partnership is suspended"),
        (
            {"partner_status": "suspended", "policy": "licensed"},
            Outcome.REFUSE,
            "partnership is suspended",
        ),
    ],
)
def test_request_verdicts(facts, outcome, reason):
    verdict = _verdict(**facts)
    assert verdict.outcome is outcome
    assert reason in verdict.reason


def test_only_pending_requests_move():
    assert move("pending", "granted") is RequestState.GRANTED
    for final in ("granted", "refused", "withdrawn"):
        with pytest.raises(InvalidRequestTransition, match=f"already {final}"):
            move(final, "granted")
