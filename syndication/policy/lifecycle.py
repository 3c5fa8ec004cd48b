"""The partner lifecycle, written as one table of allowed transitions.

Every status change goes through :func:`transition`; nothing else assigns a
partner status, so an invalid change can never be applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    TERMINATE = "terminate"


# action -> (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.APPROVE: (frozenset({Status.APPLIED}), Status.APPROVED),
    Action.REJECT: (frozenset({Status.APPLIED}), Status.REJECTED),
    Action.SUSPEND: (frozenset({Status.APPROVED}), Status.SUSPENDED),
    Action.REINSTATE: (frozenset({Status.SUSPENDED}), Status.APPROVED),
    Action.TERMINATE: (frozenset({Status.APPROVED, Status.SUSPENDED}), Status.TERMINATED),
}

# Actions whose reason is always required, whatever the recommendation said.
REASON_REQUIRED = frozenset({Action.REJECT, Action.SUSPEND, Action.TERMINATE})


@dataclass(frozen=True, slots=True)
class InvalidTransition(Exception):
    current: Status
    action: Action

    def __str__(self) -> str:
        allowed = ", ".join(a.value for a in allowed_actions(self.current)) or "none"
        return (
            f"A partner that is {self.current.value} cannot be {PAST[self.action]}; "
            f"allowed actions: {allowed}."
        )


PAST = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.SUSPEND: "suspended",
    Action.REINSTATE: "reinstated",
    Action.TERMINATE: "terminated",
}


def transition(current: Status | str, action: Action | str) -> Status:
    """The status after ``action``, or InvalidTransition when the table forbids it."""
    current, action = Status(current), Action(action)
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise InvalidTransition(current, action)
    return target


def allowed_actions(current: Status | str) -> list[Action]:
    """The actions staff may take on a partner in this status, in table order."""
    current = Status(current)
    return [action for action, (sources, _) in TRANSITIONS.items() if current in sources]
