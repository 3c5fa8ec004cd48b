"""The partner application form."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError

from syndication.models import OutletType
from syndication.views.forms import AUDIENCE, Form

OUTLET_CHOICES = [SelectChoice(t.value, t.value.capitalize()) for t in OutletType]


class ApplicationForm(Form):
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
    # Which terms the applicant read; a page older than the current terms is refused.
    terms_version_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
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


class AcknowledgeForm(Form):
    """One button: the signed link opens a page, the press of a button acknowledges.

    A GET never acknowledges: mail scanners and link previews open links too.
    """
