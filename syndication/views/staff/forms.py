"""Forms of the staff pages: partner decisions, eligibility, rights, corrections, imports."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from syndication.models import Origin, PartnerTier, SyndicationPolicy
from syndication.views.forms import AUDIENCE

TIER_CHOICES = [SelectChoice(t.value, t.value.capitalize()) for t in PartnerTier]
REQUIRABLE_FIELDS = [
    SelectChoice("region", "Country / region"),
    SelectChoice("intended_use", "How the content will be used"),
    SelectChoice("contact_name", "Contact name"),
]


class DecisionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(widget=HiddenField.widget, validators=[DataRequired()])
    tier = SelectField("Tier", choices=TIER_CHOICES, default=PartnerTier.STANDARD.value)
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=4000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EligibilityForm(FlaskForm):
    min_monthly_unique_visitors = IntegerField(
        "Minimum monthly unique visitors", validators=[DataRequired(), AUDIENCE]
    )
    min_newsletter_subscribers = IntegerField(
        "Or minimum newsletter subscribers",
        description="Leave empty to not accept this path.",
        validators=[Optional(), AUDIENCE],
    )
    min_print_circulation = IntegerField(
        "Or minimum print circulation",
        description="Leave empty to not accept this path.",
        validators=[Optional(), AUDIENCE],
    )
    blocked_domains = TextAreaField(
        "Blocked domains",
        description="One per line; subdomains are blocked too.",
        validators=[Optional(), Length(max=20000)],
    )
    required_fields = MultiCheckboxField("Required fields", choices=REQUIRABLE_FIELDS)


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
    rights_holder = StringField(
        "Rights holder",
        description="Third-party content only: who owns it; the credit line names them.",
        validators=[Optional(), Length(max=300)],
    )
    licence_reference = StringField(
        "Licence reference",
        description="The agreement or licence that lets us syndicate it.",
        validators=[Optional(), Length(max=300)],
    )
    licence_reason = TextAreaField(
        "Why we may syndicate it", validators=[Optional(), Length(max=2000)]
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


def _http_url(form: FlaskForm, field: URLField) -> None:
    """Only http(s): any other scheme could never be an article's URL."""
    if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
        raise ValidationError("Give an http:// or https:// URL.")


class ImportForm(FlaskForm):
    file = FileField(
        "File",
        description="Seed text (.txt), RSS/Atom feed, WordPress export (WXR), ninjs JSON, "
        "or an article page (.html).",
        validators=[FileRequired("Choose a file to import.")],
    )
    headline = StringField("Headline (seed text only)", validators=[Optional(), Length(max=500)])
    canonical_url = URLField(
        "URL of the original (article pages and seed text)",
        description="A page's relative links and images resolve against it.",
        validators=[Optional(), URL(), Length(max=1000), _http_url],
    )


class OwnSourcesForm(FlaskForm):
    """The organisation's own sources: content from anywhere else is third party."""

    domains = TextAreaField(
        "Our domains",
        description="One per line, e.g. example.org; subdomains count too. Our website's "
        "domain always counts.",
        validators=[Optional(), Length(max=20_000)],
    )
    feed_urls = TextAreaField(
        "Our feeds", description="One URL per line.", validators=[Optional(), Length(max=20_000)]
    )
    auto_release = BooleanField(
        "Release our own content without review when it has no third-party findings"
    )


class QuotasForm(FlaskForm):
    """Free articles each tier may take per calendar month; empty means unlimited."""

    standard = IntegerField(
        "Standard tier: articles per month",
        description="Empty means unlimited. Requests beyond it wait for staff.",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    premium = IntegerField(
        "Premium tier: articles per month",
        description="Empty means unlimited.",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )


class AssetFileForm(FlaskForm):
    """An asset's image file, uploaded by staff (checked to be the image it claims)."""

    file = FileField("Image file", validators=[FileRequired()])
