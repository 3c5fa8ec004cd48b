"""Article requests: the lifecycle table and the decision rule at request time.

Pure: it takes the facts (partner status, article rights, now) and says what
happens to a request: granted at once, queued for staff, or refused, with the
reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RequestState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


# state -> the states it may move to
REQUEST_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.PENDING: frozenset(
        {RequestState.GRANTED, RequestState.REFUSED, RequestState.WITHDRAWN}
    ),
    RequestState.GRANTED: frozenset(),
    RequestState.REFUSED: frozenset(),
    RequestState.WITHDRAWN: frozenset(),
}


class InvalidRequestTransition(Exception):
    def __init__(self, current: RequestState, target: RequestState) -> None:
        super().__init__(
            f"This request is already {current.value}; it cannot become {target.value}."
        )


def move(current: RequestState | str, target: RequestState | str) -> RequestState:
    current, target = RequestState(current), RequestState(target)
    if target not in REQUEST_TRANSITIONS[current]:
        raise InvalidRequestTransition(current, target)
    return target


class Outcome(StrEnum):
    GRANT = "grant"
    QUEUE = "queue"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reason: str


def decide_request(
    *,
    partner_status: str,
    policy: str,
    embargo_until: datetime | None,
    expires_at: datetime | None,
    now: datetime,
) -> Verdict:
    """Grant free articles to approved partners at once; queue licensed ones; refuse the rest."""
    if partner_status != "approved":
        return Verdict(Outcome.REFUSE, f"Your partnership is {partner_status}, not approved.")
    if policy == "not_syndicated":
        return Verdict(Outcome.REFUSE, "This article is not offered for syndication.")
    if embargo_until is not None and embargo_until > now:
        return Verdict(
            Outcome.REFUSE,
            f"This article is embargoed until {embargo_until:%d %b %Y %H:%M} UTC.",
        )
    if expires_at is not None and expires_at <= now:
        return Verdict(
            Outcome.REFUSE, f"Syndication of this article ended on {expires_at:%d %b %Y}."
        )
    if policy == "licensed":
        return Verdict(Outcome.QUEUE, "Licensed content: our licensing staff will review it.")
    return Verdict(Outcome.GRANT, "Free to eligible partners: granted at once.")
