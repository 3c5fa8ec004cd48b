"""Forms of the partner flows: apply, decide, eligibility, invite, keys, password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
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
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from syndication.models import OutletType, PartnerTier
from syndication.services.users import MIN_PASSWORD_LENGTH

AUDIENCE = NumberRange(min=0, message="Enter a whole number of zero or more.")
OUTLET_CHOICES = [SelectChoice(t.value, t.value.capitalize()) for t in OutletType]
TIER_CHOICES = [SelectChoice(t.value, t.value.capitalize()) for t in PartnerTier]
REQUIRABLE_FIELDS = [
    SelectChoice("region", "Country / region"),
    SelectChoice("intended_use", "How the content will be used"),
    SelectChoice("contact_name", "Contact name"),
]


def split_domains(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ApplicationForm(FlaskForm):
    name = StringField("Outlet name", validators=[DataRequired(), Length(max=200)])
    website = URLField(
        "Website",
        validators=[
            DataRequired(),
            URL(message="Enter the full address, https://…"),
            Length(max=500),
        ],
    )
    domains = TextAreaField(
        "Domains you publish on",
        description="One per line, e.g. news.example.com",
        validators=[DataRequired(), Length(max=2000)],
    )
    outlet_type = SelectField("Outlet type", choices=OUTLET_CHOICES)
    region = StringField("Country / region", validators=[Optional(), Length(max=64)])
    contact_name = StringField("Contact name", validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField(
        "Contact email", validators=[DataRequired(), Email(), Length(max=254)]
    )
    monthly_unique_visitors = IntegerField(
        "Monthly unique visitors", validators=[Optional(), AUDIENCE]
    )
    newsletter_subscribers = IntegerField(
        "Newsletter subscribers", validators=[Optional(), AUDIENCE]
    )
    print_circulation = IntegerField("Print circulation", validators=[Optional(), AUDIENCE])
    intended_use = TextAreaField(
        "How will you use our content?", validators=[DataRequired(), Length(max=4000)]
    )
    terms_version_id = HiddenField()
    accept_terms = BooleanField(
        "I accept the syndication terms shown above",
        validators=[DataRequired(message="You must accept the terms to apply.")],
    )

    def validate_print_circulation(self, field) -> None:
        # The one cross-field rule: some audience figure must be given.
        figures = (self.monthly_unique_visitors.data, self.newsletter_subscribers.data, field.data)
        if all(value is None for value in figures):
            raise ValidationError(
                "Give at least one audience figure: visitors, subscribers or circulation."
            )


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


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    admin = BooleanField("Can manage users and keys")


class ApiKeyForm(FlaskForm):
    label = StringField(
        "Label",
        description="What will use the key, e.g. “WordPress importer”.",
        validators=[DataRequired(), Length(max=100)],
    )


class ActionForm(FlaskForm):
    """An empty form: a POST button with its CSRF token (revoke, remove)."""


def _new_password() -> PasswordField:
    return PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=500)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )


def _repeated(label: str) -> PasswordField:
    return PasswordField(
        label, validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )


class SetPasswordForm(FlaskForm):
    password = _new_password()
    confirm = _repeated("Repeat the password")


class WebhookForm(FlaskForm):
    url = URLField(
        "Webhook URL",
        description="An https:// address that receives correction and takedown notices.",
        validators=[Optional(), Length(max=500)],
    )
    clear = BooleanField("Stop webhook deliveries")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    password = _new_password()
    confirm = _repeated("Repeat the new password")
