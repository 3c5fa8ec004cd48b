"""Eligibility: does an applicant have "a large enough audience"? With reasons.

The policy sets a main threshold (monthly unique visitors) and optional
alternative ones (newsletter subscribers, print circulation): meeting any one
is enough. Blocked domains and missing required fields always recommend
rejection. Staff decide; this only recommends, and says why in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

FIGURE_LABELS = {
    "monthly_unique_visitors": "monthly unique visitors",
    "newsletter_subscribers": "newsletter subscribers",
    "print_circulation": "print circulation",
}


@dataclass(frozen=True, slots=True)
class Policy:
    min_monthly_unique_visitors: int
    min_newsletter_subscribers: int | None = None
    min_print_circulation: int | None = None
    blocked_domains: Sequence[str] = ()
    required_fields: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Application:
    domains: Sequence[str]
    monthly_unique_visitors: int | None = None
    newsletter_subscribers: int | None = None
    print_circulation: int | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recommendation:
    approve: bool
    reasons: tuple[str, ...]

    @property
    def decision(self) -> str:
        return "approve" if self.approve else "reject"

    def as_dict(self) -> dict:
        return {"decision": self.decision, "reasons": list(self.reasons)}


def _blocked(domain: str, blocked: Sequence[str]) -> str | None:
    domain = domain.lower().strip(".")
    for entry in blocked:
        entry = entry.lower().strip(".")
        # A blocked domain blocks its subdomains too.
        if domain == entry or domain.endswith("." + entry):
            return entry
    return None


def recommend(application: Application, policy: Policy) -> Recommendation:
    """Recommend approval or rejection, with one reason per rule that decided it."""
    refusals: list[str] = []
    for domain in application.domains:
        entry = _blocked(domain, policy.blocked_domains)
        if entry:
            refusals.append(f"domain {domain} is blocked ({entry} is on the blocked list)")
    for name in policy.required_fields:
        if not (application.fields.get(name) or "").strip():
            refusals.append(f"required field {name.replace('_', ' ')} is missing")

    thresholds = [
        ("monthly_unique_visitors", policy.min_monthly_unique_visitors),
        ("newsletter_subscribers", policy.min_newsletter_subscribers),
        ("print_circulation", policy.min_print_circulation),
    ]
    met: list[str] = []
    short: list[str] = []
    for name, minimum in thresholds:
        if minimum is None:
            continue
        value = getattr(application, name)
        label = FIGURE_LABELS[name]
        if value is None:
            short.append(f"{label} not given (threshold {minimum:,})")
        elif value >= minimum:
            met.append(f"{label} {value:,} meets the {minimum:,} threshold")
        else:
            short.append(f"{label} {value:,} is below the {minimum:,} threshold")

    if refusals:
        return Recommendation(False, tuple(refusals))
    if met:
        return Recommendation(True, tuple(met))
    return Recommendation(False, tuple(short) or ("no audience threshold is configured",))
