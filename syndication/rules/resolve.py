"""Which rules apply to one article in one delivery, and what they decide.

Precedence, applied to each action on its own:

1. A rule is a candidate only if it is ``active``, ``context.now`` lies in its
   window (``valid_from <= now < valid_until``; a missing bound is open), and
   every condition it sets matches the article and the context.
2. Among candidates that *set* the action (value not ``None``), the winner is
   the **most specific** one: the one constraining the most condition dimensions
   (origin, policy, section, tag, partner tier, format, publish-date window;
   each counts once however many values it lists).
3. Equal specificity: **higher priority** wins.
4. Equal priority too: **lower id** wins (the older rule).
5. No candidate sets the action: its documented default applies (``DEFAULTS``).

Because each action is decided on its own, a specific rule that only sets a
footer does not silence a general rule's credit line. Rule ids must be unique,
which makes the order total: the result never depends on the order of the input.

``resolve`` takes a plain list of rules or a :class:`RuleSet` (the same rules
sorted once); the app should keep one RuleSet per rule-set version, since
sorting is the larger part of the per-article cost with many rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from syndication.rules.model import (
    ACTIONS,
    FORMATS,
    ORIGINS,
    POLICIES,
    Rule,
    normalise_label,
)

# What each action is when no applicable rule sets it, and why.
DEFAULTS: Mapping[str, str | bool | None] = {
    "footer": None,
    "credit_line": None,
    "originally_appeared": None,
    "strip_promos": False,
    # Assets the organisation does not own never leave in a package (product rule),
    # so the safe answer without a rule is to strip them.
    "strip_third_party_assets": True,
    "tracking_pixel": False,
    "noindex": False,
    "canonical_link": False,
}


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """The facts about an article that rule conditions look at."""

    origin: str
    policy: str
    section: str = ""
    tags: frozenset[str] = frozenset()
    published_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(
                f"unknown origin {self.origin!r}; expected one of {', '.join(ORIGINS)}"
            )
        if self.policy not in POLICIES:
            raise ValueError(
                f"unknown policy {self.policy!r}; expected one of {', '.join(POLICIES)}"
            )
        if self.published_at is not None and self.published_at.utcoffset() is None:
            raise ValueError("published_at must include a time zone")
        # Normalised once here so that matching is plain set arithmetic.
        object.__setattr__(self, "section", normalise_label(self.section or ""))
        object.__setattr__(
            self, "tags", frozenset(normalise_label(t) for t in self.tags if t and t.strip())
        )


@dataclass(frozen=True, slots=True)
class Context:
    """Who gets the article, in which format, and when ("now" is passed in, never read)."""

    partner_tier: str | None
    output_format: str
    now: datetime

    def __post_init__(self) -> None:
        if self.output_format not in FORMATS:
            raise ValueError(
                f"unknown output format {self.output_format!r}; "
                f"expected one of {', '.join(FORMATS)}"
            )
        if self.now.utcoffset() is None:
            raise ValueError("now must include a time zone")
        tier = normalise_label(self.partner_tier) if self.partner_tier else None
        object.__setattr__(self, "partner_tier", tier)


class RuleOutcome(NamedTuple):
    """Whether one rule applied; if not, the first condition that failed."""

    # A NamedTuple, not a frozen dataclass: one is built per rule per resolution
    # and frozen dataclasses cost several times more to construct.
    rule: Rule
    # None when the rule applied; otherwise a code such as "policy" or "inactive".
    failed: str | None
    article: ArticleFacts
    context: Context

    @property
    def matched(self) -> bool:
        """True when the rule applied to this article and context."""
        return self.failed is None

    @property
    def reason(self) -> str:
        """Why the rule applied or not, for the preview page."""
        # Built on demand: with a thousand rules most are skipped and most
        # explanations are never read.
        if self.failed is None:
            return f"applies: {self.rule.describe()}"
        return _failure_text(self.rule, self.failed, self.article, self.context)


@dataclass(frozen=True, slots=True)
class Decision:
    """The value of one action, the rule that decided it (None: default) and the rules it beat."""

    action: str
    value: str | bool | None
    rule: Rule | None
    overridden: tuple[Rule, ...] = ()

    @property
    def rule_id(self) -> int | None:
        """Id of the deciding rule, or None when the default applied."""
        return self.rule.id if self.rule is not None else None

    @property
    def reason(self) -> str:
        """Short human explanation, e.g. "rule #3 'Licensed footer' (1 condition: ...)"."""
        if self.rule is None:
            return f"no applicable rule sets {self.action}; default: {_show(self.value)}"
        text = self.rule.describe()
        if self.overridden:
            beaten = ", ".join(f"#{rule.id}" for rule in self.overridden)
            text += f"; takes precedence over {beaten}"
        return text


@dataclass(frozen=True, slots=True)
class Resolution:
    """Every action's decision for one article and context, plus which rules applied."""

    article: ArticleFacts
    context: Context
    decisions: dict[str, Decision]
    matched: tuple[RuleOutcome, ...]  # in precedence order (the winner of a tie first)
    unmatched: tuple[RuleOutcome, ...]  # in precedence order too

    def value(self, action: str) -> str | bool | None:
        """The decided value of ``action``."""
        return self.decisions[action].value

    def explain(self) -> list[str]:
        """One line per action: "footer: <value> ← <reason>"."""
        return [
            f"{action}: {_show(decision.value)} ← {decision.reason}"
            for action, decision in self.decisions.items()
        ]


def _show(value: str | bool | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == "":
        return "(empty)"
    return repr(value if len(value) <= 60 else value[:57] + "...")


def precedence_key(rule: Rule) -> tuple[int, int, int]:
    """Sort key putting the rule that wins ties first: specific, then priority, then low id."""
    return (-rule.conditions.specificity, -rule.priority, rule.id)


def first_failure(rule: Rule, article: ArticleFacts, context: Context) -> str | None:
    """Code of the first check the rule fails, or None when it applies."""
    if not rule.active:
        return "inactive"
    now = context.now
    if rule.valid_from is not None and now < rule.valid_from:
        return "not_yet_valid"
    if rule.valid_until is not None and now >= rule.valid_until:
        return "expired"
    c = rule.conditions
    if c.specificity == 0:
        return None
    if c.origins and article.origin not in c.origins:
        return "origin"
    if c.policies and article.policy not in c.policies:
        return "policy"
    if c.sections and article.section not in c.sections:
        return "section"
    if c.tags and c.tags.isdisjoint(article.tags):
        return "tag"
    if c.partner_tiers and context.partner_tier not in c.partner_tiers:
        return "tier"
    if c.formats and context.output_format not in c.formats:
        return "format"
    if c.published_from is not None or c.published_until is not None:
        published = article.published_at
        if published is None:
            return "published"
        if c.published_from is not None and published < c.published_from:
            return "published"
        if c.published_until is not None and published >= c.published_until:
            return "published"
    return None


def _failure_text(rule: Rule, code: str, article: ArticleFacts, context: Context) -> str:
    c = rule.conditions

    def wants(values: frozenset[str]) -> str:
        return "|".join(sorted(values))

    if code == "inactive":
        return "switched off"
    if code == "not_yet_valid":
        assert rule.valid_from is not None
        return f"not in force until {rule.valid_from.isoformat()}"
    if code == "expired":
        assert rule.valid_until is not None
        return f"expired at {rule.valid_until.isoformat()}"
    if code == "origin":
        return f"origin is {article.origin}, rule wants {wants(c.origins)}"
    if code == "policy":
        return f"policy is {article.policy}, rule wants {wants(c.policies)}"
    if code == "section":
        section = article.section or "(none)"
        return f"section is {section}, rule wants {wants(c.sections)}"
    if code == "tag":
        tags = ", ".join(sorted(article.tags)) or "(none)"
        return f"tags are {tags}, rule wants any of {wants(c.tags)}"
    if code == "tier":
        tier = context.partner_tier or "(no partner)"
        return f"partner tier is {tier}, rule wants {wants(c.partner_tiers)}"
    if code == "format":
        return f"format is {context.output_format}, rule wants {wants(c.formats)}"
    window = next(part for part in c.describe() if part.startswith("published "))
    if article.published_at is None:
        return f"article has no publish date, rule wants {window}"
    return f"published {article.published_at.isoformat()}, rule wants {window}"


@dataclass(frozen=True, slots=True, init=False)
class RuleSet:
    """Rules sorted once into precedence order; build one per rule-set version and reuse it."""

    rules: tuple[Rule, ...]

    def __init__(self, rules: Iterable[Rule]) -> None:
        ordered = sorted(rules, key=precedence_key)
        ids = [rule.id for rule in ordered]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            # Two rules with one id would make the tie-break order-dependent.
            raise ValueError(f"duplicate rule id {duplicate}")
        object.__setattr__(self, "rules", tuple(ordered))

    def __len__(self) -> int:
        return len(self.rules)


def resolve(
    rules: RuleSet | Iterable[Rule],
    article: ArticleFacts,
    context: Context | tuple[str | None, str, datetime],
) -> Resolution:
    """Decide every action for ``article`` delivered in ``context`` (see module docstring)."""
    ctx = context if isinstance(context, Context) else Context(*context)
    ordered = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    matched: list[RuleOutcome] = []
    unmatched: list[RuleOutcome] = []
    # Walking the rules in precedence order keeps both lists sorted for free.
    for rule in ordered.rules:
        failed = first_failure(rule, article, ctx)
        (matched if failed is None else unmatched).append(RuleOutcome(rule, failed, article, ctx))

    decisions: dict[str, Decision] = {}
    for action in ACTIONS:
        setters = [o.rule for o in matched if getattr(o.rule.actions, action) is not None]
        if setters:
            winner = setters[0]
            decisions[action] = Decision(
                action, getattr(winner.actions, action), winner, tuple(setters[1:])
            )
        else:
            decisions[action] = Decision(action, DEFAULTS[action], None)
    return Resolution(article, ctx, decisions, tuple(matched), tuple(unmatched))
