"""Rules as plain, frozen dataclasses, and their JSON form for the database.

A rule is *conditions* (which articles and deliveries it is about) plus
*actions* (what it says about them). Every condition is optional, an empty one
means "any"; every action is optional, ``None`` means "this rule says nothing
about it", so several rules can each decide a different part of the terms.

JSON shape (what :func:`rule_to_dict` writes and :func:`rule_from_dict` reads)::

    {
      "id": 3, "name": "Licensed footer", "priority": 10, "active": true,
      "valid_from": "2024-01-01T00:00:00+00:00" | null,
      "valid_until": null,
      "conditions": {
        "origins": ["original"], "policies": ["licensed"],
        "sections": ["politics"], "tags": ["ukraine"],
        "partner_tiers": ["premium"], "formats": ["html", "page_html"],
        "published_from": "2022-01-01T00:00:00+00:00" | null,
        "published_until": null
      },
      "actions": {
        "footer": "Content created by {{ organisation }} ..." | null,
        "credit_line": "By {{ byline }}, {{ organisation }}" | null,
        "originally_appeared": "... {{ canonical_url }}" | null,
        "strip_promos": true | null, "strip_third_party_assets": true | null,
        "tracking_pixel": true | null, "noindex": false | null,
        "canonical_link": true | null
      }
    }

Missing keys read as "empty"/``null``; unknown keys are refused so that a typo
in a stored rule is an error rather than a silently ignored condition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ORIGINS: tuple[str, ...] = ("original", "third_party", "mixed")
POLICIES: tuple[str, ...] = ("free_eligible", "licensed", "not_syndicated")
FORMATS: tuple[str, ...] = (
    "html",
    "page_html",
    "text",
    "markdown",
    "ninjs",
    "newsml",
    "jsonld",
    "feed",
)

# Actions whose value is a template text, and actions whose value is a flag.
TEXT_ACTIONS: tuple[str, ...] = ("footer", "credit_line", "originally_appeared")
FLAG_ACTIONS: tuple[str, ...] = (
    "strip_promos",
    "strip_third_party_assets",
    "tracking_pixel",
    "noindex",
    "canonical_link",
)
ACTIONS: tuple[str, ...] = TEXT_ACTIONS + FLAG_ACTIONS

# Set-valued condition dimensions, in the order explanations list them.
SET_CONDITIONS: tuple[str, ...] = (
    "origins",
    "policies",
    "sections",
    "tags",
    "partner_tiers",
    "formats",
)
CONDITION_KEYS: tuple[str, ...] = (*SET_CONDITIONS, "published_from", "published_until")
RULE_KEYS: tuple[str, ...] = (
    "id",
    "name",
    "priority",
    "active",
    "valid_from",
    "valid_until",
    "conditions",
    "actions",
)

# Closed vocabularies; sections, tags and tiers are open (staff invent them).
_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "origins": ORIGINS,
    "policies": POLICIES,
    "formats": FORMATS,
}


class RuleValidationError(ValueError):
    """Input that does not describe a valid rule; ``errors`` maps field path to message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


def normalise_label(value: str) -> str:
    """Section, tag and tier labels compare case- and space-insensitively."""
    return " ".join(value.split()).casefold()


def _check_aware(path: str, value: datetime | None) -> None:
    # Naive datetimes make window checks depend on the server's time zone.
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise RuleValidationError({path: "must include a time zone (e.g. +00:00)"})


def _normalise_set(path: str, values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        # A bare string would otherwise become a set of its characters.
        raise RuleValidationError({path: "must be a list of strings, not a single string"})
    items = list(values)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise RuleValidationError({path: f"must contain non-empty strings, got {item!r}"})
    dimension = path.rsplit(".", 1)[-1]
    allowed = _VOCABULARIES.get(dimension)
    if allowed is None:
        return frozenset(normalise_label(item) for item in items)
    unknown = sorted(set(items) - set(allowed))
    if unknown:
        raise RuleValidationError(
            {path: f"unknown value {unknown[0]!r}; expected one of {', '.join(allowed)}"}
        )
    return frozenset(items)


@dataclass(frozen=True, slots=True)
class Conditions:
    """Which articles and deliveries a rule is about; an empty dimension means any."""

    origins: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()
    sections: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    partner_tiers: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset()
    # Half-open window on the article's publish time: from <= published_at < until.
    published_from: datetime | None = None
    published_until: datetime | None = None
    # Number of constrained dimensions (the date window counts once); derived, so
    # it takes no part in equality.
    specificity: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        for name in SET_CONDITIONS:
            object.__setattr__(
                self, name, _normalise_set(f"conditions.{name}", getattr(self, name))
            )
        _check_aware("conditions.published_from", self.published_from)
        _check_aware("conditions.published_until", self.published_until)
        if (
            self.published_from is not None
            and self.published_until is not None
            and self.published_from >= self.published_until
        ):
            raise RuleValidationError(
                {"conditions.published_until": "must be later than published_from"}
            )
        count = sum(1 for name in SET_CONDITIONS if getattr(self, name))
        if self.published_from is not None or self.published_until is not None:
            count += 1
        object.__setattr__(self, "specificity", count)

    def describe(self) -> list[str]:
        """Human fragments such as "policy=licensed", one per constrained dimension."""
        labels = {
            "origins": "origin",
            "policies": "policy",
            "sections": "section",
            "tags": "tag",
            "partner_tiers": "tier",
            "formats": "format",
        }
        parts = [
            f"{labels[name]}={'|'.join(sorted(getattr(self, name)))}"
            for name in SET_CONDITIONS
            if getattr(self, name)
        ]
        if self.published_from is not None or self.published_until is not None:
            start = self.published_from.isoformat() if self.published_from else "…"
            end = self.published_until.isoformat() if self.published_until else "…"
            parts.append(f"published {start} to {end}")
        return parts


@dataclass(frozen=True, slots=True)
class Actions:
    """What a rule decides; ``None`` means "says nothing", "" means "no text"."""

    footer: str | None = None
    credit_line: str | None = None
    originally_appeared: str | None = None
    strip_promos: bool | None = None
    strip_third_party_assets: bool | None = None
    tracking_pixel: bool | None = None
    noindex: bool | None = None
    canonical_link: bool | None = None

    def __post_init__(self) -> None:
        for name in TEXT_ACTIONS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise RuleValidationError({f"actions.{name}": "must be text or null"})
        for name in FLAG_ACTIONS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise RuleValidationError({f"actions.{name}": "must be true, false or null"})

    def get(self, action: str) -> str | bool | None:
        """The value this rule gives ``action``, or None when it says nothing."""
        return getattr(self, action)


@dataclass(frozen=True, slots=True)
class Rule:
    """One attribution/footer/transformation rule as staff wrote it."""

    id: int
    name: str
    priority: int = 0
    active: bool = True
    # Half-open window on "now": valid_from <= now < valid_until.
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    conditions: Conditions = field(default_factory=Conditions)
    actions: Actions = field(default_factory=Actions)

    def __post_init__(self) -> None:
        # bool is an int subclass; True as an id or priority is always a mistake.
        if not isinstance(self.id, int) or isinstance(self.id, bool):
            raise RuleValidationError({"id": "must be an integer"})
        if not isinstance(self.priority, int) or isinstance(self.priority, bool):
            raise RuleValidationError({"priority": "must be an integer"})
        if not isinstance(self.active, bool):
            raise RuleValidationError({"active": "must be true or false"})
        if not isinstance(self.name, str) or not self.name.strip():
            raise RuleValidationError({"name": "must be a non-empty string"})
        _check_aware("valid_from", self.valid_from)
        _check_aware("valid_until", self.valid_until)
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from >= self.valid_until
        ):
            raise RuleValidationError({"valid_until": "must be later than valid_from"})

    @property
    def specificity(self) -> int:
        """How many condition dimensions this rule constrains."""
        return self.conditions.specificity

    def describe(self) -> str:
        """Short label for explanations, e.g. "rule #3 'Licensed footer' (...)"."""
        parts = self.conditions.describe()
        count = len(parts)
        noun = "condition" if count == 1 else "conditions"
        listed = f": {', '.join(parts)}" if parts else ""
        return f"rule #{self.id} '{self.name}' ({count} {noun}{listed}; priority {self.priority})"


# ---------------------------------------------------------------- JSON


def _dt_to_json(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt_from_json(path: str, value: Any, errors: dict[str, str]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[path] = "must be an ISO 8601 date-time string or null"
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors[path] = f"{value!r} is not an ISO 8601 date-time"
        return None
    if parsed.tzinfo is None:
        errors[path] = "must include a time zone (e.g. +00:00)"
        return None
    return parsed


def _check_keys(path: str, data: Any, allowed: tuple[str, ...], errors: dict[str, str]) -> bool:
    if not isinstance(data, Mapping):
        errors[path or "rule"] = "must be an object"
        return False
    prefix = f"{path}." if path else ""
    for key in sorted(set(data) - set(allowed), key=str):
        errors[f"{prefix}{key}"] = f"unknown field; expected one of {', '.join(allowed)}"
    return True


def conditions_to_dict(conditions: Conditions) -> dict[str, Any]:
    """JSON-ready dict of conditions; lists sorted so equal rules give equal JSON."""
    data: dict[str, Any] = {name: sorted(getattr(conditions, name)) for name in SET_CONDITIONS}
    data["published_from"] = _dt_to_json(conditions.published_from)
    data["published_until"] = _dt_to_json(conditions.published_until)
    return data


def actions_to_dict(actions: Actions) -> dict[str, Any]:
    """JSON-ready dict of actions; null where the rule says nothing."""
    return {name: getattr(actions, name) for name in ACTIONS}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """JSON-ready dict of a whole rule (see the module docstring for the shape)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "priority": rule.priority,
        "active": rule.active,
        "valid_from": _dt_to_json(rule.valid_from),
        "valid_until": _dt_to_json(rule.valid_until),
        "conditions": conditions_to_dict(rule.conditions),
        "actions": actions_to_dict(rule.actions),
    }


def _collect(errors: dict[str, str], build: Any, *args: Any, **kwargs: Any) -> Any:
    # Run a constructor, folding its validation error into the shared report so
    # that one call reports every problem in a form, not just the first.
    try:
        return build(*args, **kwargs)
    except RuleValidationError as exc:
        errors.update(exc.errors)
        return None


def conditions_from_dict(data: Mapping[str, Any], *, path: str = "conditions") -> Conditions:
    """Build and validate Conditions from their JSON dict."""
    errors: dict[str, str] = {}
    if not _check_keys(path, data, CONDITION_KEYS, errors):
        raise RuleValidationError(errors)
    kwargs: dict[str, Any] = {}
    for name in SET_CONDITIONS:
        value = data.get(name) or []
        if not isinstance(value, list | tuple | set | frozenset):
            errors[f"{path}.{name}"] = "must be a list of strings"
            continue
        normalised = _collect(errors, _normalise_set, f"{path}.{name}", value)
        if normalised is not None:
            kwargs[name] = normalised
    kwargs["published_from"] = _dt_from_json(
        f"{path}.published_from", data.get("published_from"), errors
    )
    kwargs["published_until"] = _dt_from_json(
        f"{path}.published_until", data.get("published_until"), errors
    )
    if errors:
        raise RuleValidationError(errors)
    return Conditions(**kwargs)


def actions_from_dict(
    data: Mapping[str, Any], *, path: str = "actions", trial_render: bool = True
) -> Actions:
    """Build and validate Actions from their JSON dict, templates included.

    ``trial_render=False`` for rules read back from storage, which were
    trial-rendered when they were saved: their texts are compiled and checked,
    not rendered again in every worker that loads them.
    """
    # Imported here because templates.py is the heavier module (Jinja) and the
    # model should stay importable on its own.
    from syndication.rules.templates import TemplateError, validate_template

    errors: dict[str, str] = {}
    if not _check_keys(path, data, ACTIONS, errors):
        raise RuleValidationError(errors)
    kwargs: dict[str, Any] = {}
    for name in TEXT_ACTIONS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[f"{path}.{name}"] = "must be text or null"
            continue
        try:
            validate_template(value, trial_render=trial_render)
        except TemplateError as exc:
            errors[f"{path}.{name}"] = str(exc)
            continue
        kwargs[name] = value
    for name in FLAG_ACTIONS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            errors[f"{path}.{name}"] = "must be true, false or null"
            continue
        kwargs[name] = value
    if errors:
        raise RuleValidationError(errors)
    return Actions(**kwargs)


def rule_from_dict(data: Mapping[str, Any], *, trial_render: bool = True) -> Rule:
    """Build and validate a Rule from its JSON dict; reports every problem at once.

    ``trial_render``: as for :func:`actions_from_dict`.
    """
    errors: dict[str, str] = {}
    if not _check_keys("", data, RULE_KEYS, errors):
        raise RuleValidationError(errors)
    for required in ("id", "name"):
        if required not in data:
            errors[required] = "is required"
    conditions = _collect(errors, conditions_from_dict, data.get("conditions") or {})
    actions = _collect(
        errors, actions_from_dict, data.get("actions") or {}, trial_render=trial_render
    )
    valid_from = _dt_from_json("valid_from", data.get("valid_from"), errors)
    valid_until = _dt_from_json("valid_until", data.get("valid_until"), errors)
    if errors:
        raise RuleValidationError(errors)
    rule = _collect(
        errors,
        Rule,
        id=data["id"],
        name=data["name"],
        priority=data.get("priority", 0),
        active=data.get("active", True),
        valid_from=valid_from,
        valid_until=valid_until,
        conditions=conditions,
        actions=actions,
    )
    if errors:
        raise RuleValidationError(errors)
    return rule
