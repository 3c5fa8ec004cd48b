"""Forms of the staff article pages: rights, corrections, imports."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from syndication.models import Origin, SyndicationPolicy


class RightsForm(FlaskForm):
    origin = SelectField(
        "Origin", choices=[SelectChoice(o.value, o.value.replace("_", " ")) for o in Origin]
    )
    policy = SelectField(
        "Syndication policy",
        choices=[SelectChoice(p.value, p.value.replace("_", " ")) for p in SyndicationPolicy],
    )
    embargo_until = DateTimeLocalField("Embargoed until (UTC)", validators=[Optional()])
    expires_at = DateTimeLocalField("Syndication expires (UTC)", validators=[Optional()])
    territory = StringField(
        "Territory",
        description="ISO 3166 code, e.g. US; empty means worldwide.",
        validators=[Optional(), Length(max=100)],
    )
    reason = StringField("Reason for the change", validators=[Optional(), Length(max=500)])

    def validate_expires_at(self, field) -> None:
        if field.data and self.embargo_until.data and field.data <= self.embargo_until.data:
            raise ValidationError("The expiry must come after the embargo ends.")


class RevisionForm(FlaskForm):
    headline = StringField("Headline", validators=[DataRequired(), Length(max=500)])
    dek = TextAreaField("Dek", validators=[Optional(), Length(max=2000)])
    body_html = TextAreaField(
        "Body (HTML)",
        description="Sanitised on save: scripts, styles and embeds are removed.",
        validators=[DataRequired(), Length(max=500_000)],
    )
    note = StringField(
        "Public note",
        description="What changed, e.g. “Corrected the date of the talks.”",
        validators=[DataRequired(), Length(max=500)],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "File",
        description="Seed text (.txt), RSS/Atom feed, WordPress export (WXR), ninjs JSON, "
        "or an article page (.html).",
        validators=[FileRequired("Choose a file to import.")],
    )
    headline = StringField("Headline (seed text only)", validators=[Optional(), Length(max=500)])
    canonical_url = URLField(
        "Canonical URL (seed text only)", validators=[Optional(), URL(), Length(max=1000)]
    )
