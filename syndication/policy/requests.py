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
    QUEUE = "queue"  # waits for staff
    WAIT = "wait"  # waits for the embargo to lift, then is granted by itself
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
    monthly_quota: int | None = None,
    used_this_month: int = 0,
    embargoed_copy: bool = False,
) -> Verdict:
    """Grant free articles to approved partners at once; queue licensed ones; refuse the rest.

    An embargoed free article waits and is granted when the embargo lifts, or at
    once, to hold for release, to a tier trusted with embargoed copy
    (``embargoed_copy``); a free article beyond the partner's monthly quota
    (None: unlimited) waits for staff, since systematic republishing is not
    what free republication allows.
    """
    if partner_status != "approved":
        return Verdict(Outcome.REFUSE, f"Your partnership is {partner_status}, not approved.")
    if policy == "not_syndicated":
        return Verdict(Outcome.REFUSE, "This article is not offered for syndication.")
    if expires_at is not None and expires_at <= now:
        return Verdict(
            Outcome.REFUSE, f"Syndication of this article ended on {expires_at:%d %b %Y}."
        )
    embargoed = embargo_until is not None and embargo_until > now
    if policy == "licensed":
        waits = f" It is embargoed until {embargo_until:%d %b %Y %H:%M} UTC." if embargoed else ""
        return Verdict(
            Outcome.QUEUE, f"Licensed content: our licensing staff will review it.{waits}"
        )
    if monthly_quota is not None and used_this_month >= monthly_quota:
        return Verdict(
            Outcome.QUEUE,
            f"Beyond your monthly quota of {monthly_quota} article"
            f"{'s' if monthly_quota != 1 else ''}: our licensing staff will review it.",
        )
    if embargoed and embargoed_copy:
        return Verdict(
            Outcome.GRANT,
            f"Granted to hold for release: embargoed until {embargo_until:%d %b %Y %H:%M} UTC; "
            "do not publish it before then.",
        )
    if embargoed:
        return Verdict(
            Outcome.WAIT,
            f"Embargoed until {embargo_until:%d %b %Y %H:%M} UTC: it will be granted to you "
            "automatically when the embargo lifts.",
        )
    return Verdict(Outcome.GRANT, "Free to eligible partners: granted at once.")
