"""The rule editor form: conditions and actions of one attribution rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from syndication import rules as engine
from syndication.models import PartnerTier
from syndication.views.forms import Form, NotBefore

TRI_STATE = [
    SelectChoice("", "says nothing"),
    SelectChoice("yes", "yes"),
    SelectChoice("no", "no"),
]
FLAG_LABELS = {
    "strip_promos": "Strip inline promos",
    "strip_third_party_assets": "Strip third-party assets",
    "tracking_pixel": "Add the tracking pixel",
    "noindex": "Ask for noindex",
    "canonical_link": "Ask for a canonical link",
}
TEXT_LABELS = {
    "footer": "Footer",
    "credit_line": "Credit line",
    "originally_appeared": "“Originally appeared on” line",
}


def _choices(values) -> list[SelectChoice]:
    return [SelectChoice(v, v.replace("_", " ")) for v in values]


def _labels(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class RuleForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    priority = IntegerField(
        "Priority",
        default=0,
        description="Breaks ties between equally specific rules; higher wins.",
        validators=[NumberRange(min=-10_000, max=10_000)],
    )
    active = BooleanField("Active", default=True)
    valid_from = DateTimeLocalField("Active from (UTC)", validators=[Optional()])
    valid_until = DateTimeLocalField(
        "Active until (UTC)", validators=[Optional(), NotBefore("valid_from")]
    )
    origins = SelectMultipleField("Article origin", choices=_choices(engine.ORIGINS))
    policies = SelectMultipleField("Syndication policy", choices=_choices(engine.POLICIES))
    sections = StringField("Sections", description="Comma-separated; empty means any.")
    tags = StringField("Tags", description="Matches an article with any of them.")
    partner_tiers = SelectMultipleField(
        "Partner tiers", choices=_choices([t.value for t in PartnerTier])
    )
    formats = SelectMultipleField("Output formats", choices=_choices(engine.FORMATS))
    published_from = DateField("Articles published from", validators=[Optional()])
    published_until = DateField(
        "Articles published before", validators=[Optional(), NotBefore("published_from")]
    )
    footer = TextAreaField(TEXT_LABELS["footer"], validators=[Length(max=5000)])
    credit_line = TextAreaField(TEXT_LABELS["credit_line"], validators=[Length(max=5000)])
    originally_appeared = TextAreaField(
        TEXT_LABELS["originally_appeared"], validators=[Length(max=5000)]
    )
    strip_promos = SelectField(FLAG_LABELS["strip_promos"], choices=TRI_STATE)
    strip_third_party_assets = SelectField(
        FLAG_LABELS["strip_third_party_assets"], choices=TRI_STATE
    )
    tracking_pixel = SelectField(FLAG_LABELS["tracking_pixel"], choices=TRI_STATE)
    noindex = SelectField(FLAG_LABELS["noindex"], choices=TRI_STATE)
    canonical_link = SelectField(FLAG_LABELS["canonical_link"], choices=TRI_STATE)

    def rule_data(self) -> dict[str, Any]:
        """The engine's JSON shape for this form (the engine validates it)."""

        def text(field) -> str | None:
            # An empty box means "this rule says nothing about it".
            return field.data if field.data and field.data.strip() else None

        def flag(field) -> bool | None:
            return {"yes": True, "no": False}.get(field.data)

        return {
            "name": self.name.data,
            "priority": self.priority.data or 0,
            "active": bool(self.active.data),
            "valid_from": _utc(self.valid_from.data),
            "valid_until": _utc(self.valid_until.data),
            "conditions": {
                "origins": self.origins.data or [],
                "policies": self.policies.data or [],
                "sections": _labels(self.sections.data or ""),
                "tags": _labels(self.tags.data or ""),
                "partner_tiers": self.partner_tiers.data or [],
                "formats": self.formats.data or [],
                "published_from": _utc(self.published_from.data),
                "published_until": _utc(self.published_until.data),
            },
            "actions": {
                "footer": text(self.footer),
                "credit_line": text(self.credit_line),
                "originally_appeared": text(self.originally_appeared),
                **{name: flag(getattr(self, name)) for name in FLAG_LABELS},
            },
        }

    def load(self, rule: engine.Rule) -> None:
        """Fill the form from an existing rule (for editing)."""
        c, a = rule.conditions, rule.actions
        self.name.data, self.priority.data, self.active.data = rule.name, rule.priority, rule.active
        self.valid_from.data = _naive(rule.valid_from)
        self.valid_until.data = _naive(rule.valid_until)
        self.origins.data, self.policies.data = sorted(c.origins), sorted(c.policies)
        self.sections.data, self.tags.data = (
            ", ".join(sorted(c.sections)),
            ", ".join(sorted(c.tags)),
        )
        self.partner_tiers.data, self.formats.data = sorted(c.partner_tiers), sorted(c.formats)
        self.published_from.data = c.published_from.date() if c.published_from else None
        self.published_until.data = c.published_until.date() if c.published_until else None
        for name in TEXT_LABELS:
            getattr(self, name).data = getattr(a, name) or ""
        for name in FLAG_LABELS:
            value = getattr(a, name)
            getattr(self, name).data = "" if value is None else ("yes" if value else "no")


def _utc(value: date | datetime | None) -> str | None:
    """Form dates and datetimes are UTC wall time; the engine wants aware ISO strings."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value.replace(tzinfo=UTC).isoformat()


def _naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


def field_for_error(path: str) -> str:
    """Map an engine error path ("actions.footer") to the form field that shows it."""
    return path.split(".")[-1]
