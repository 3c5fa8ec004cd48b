"""Form pieces every blueprint uses: the base form, the empty POST form, passwords, domains,
audience, and the filters of lists (date ranges, sections)."""

from __future__ import annotations

from datetime import datetime

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from syndication.inputs import EARLIEST_DATE, LATEST_DATE, MAX_ID
from syndication.services.users import MIN_PASSWORD_LENGTH

AUDIENCE = NumberRange(min=0, message="Enter a whole number of zero or more.")


def split_domains(text: str) -> list[str]:
    """Domains typed one per line (or comma-separated), blanks dropped."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _within_database_range(form, field) -> None:
    if field.data is not None and not -MAX_ID <= field.data <= MAX_ID:
        raise ValidationError(f"Enter a whole number between {-MAX_ID:,} and {MAX_ID:,}.")


def _within_calendar(form, field) -> None:
    value = field.data
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(f"Enter a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.")


class Form(FlaskForm):
    """The base of every form: integers and dates bounded wherever a form asks for them.

    Bound fields get the check added, so no form can forget it: an integer
    beyond what the database holds, or a date in the year 9999, is a form
    error like any other instead of an overflow in SQL or date arithmetic.
    (Control characters never reach a form: ``syndication.inputs`` refuses them.)
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, IntegerField):
                field.validators = [*field.validators, _within_database_range]
            elif isinstance(field, DateField | DateTimeField | DateTimeLocalField):
                field.validators = [*field.validators, _within_calendar]
            return field


class ActionForm(Form):
    """An empty form: a POST button with its CSRF token (revoke, remove)."""


def new_password_field() -> PasswordField:
    """A new password, at least as long as the account rules require."""
    return PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=500)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )


def repeated_password_field(label: str) -> PasswordField:
    """The new password again, which must equal the form's ``password`` field."""
    return PasswordField(
        label, validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )


class FilterForm(Form):
    """A table's filters, read from the query string: no CSRF token, since it changes nothing.

    Call ``validate()``; a field it refuses (a reversed date range) shows its error
    beside the filter, and the list is shown unfiltered by it.
    """

    class Meta:
        csrf = False

    def __init__(self, **kwargs) -> None:
        super().__init__(formdata=request.args, **kwargs)


class NotBefore:
    """A date or time that may not come before another field's: a reversed range is an error."""

    def __init__(self, other: str, message: str | None = None) -> None:
        self.other = other
        self.message = message

    def __call__(self, form, field) -> None:
        start = form[self.other]
        if field.data is not None and start.data is not None and field.data < start.data:
            raise ValidationError(
                self.message
                or f"“{field.label.text}” comes before “{start.label.text}”: swap them or "
                "change one."
            )


def date_range_fields(start_label: str = "From", end_label: str = "To") -> tuple:
    """The ``from`` and ``to`` filters of a list, whole days, the end not before the start."""
    return (
        DateField(start_label, name="from", validators=[Optional()]),
        DateField(end_label, name="to", validators=[Optional(), NotBefore("date_from")]),
    )


def canonical_section(value: str | None, sections: list[str]) -> str | None:
    """The section as the catalogue spells it, whatever the case typed: "WORLD" → "World"."""
    wanted = " ".join((value or "").split()).casefold()
    if not wanted:
        return None
    return next((s for s in sections if s.casefold() == wanted), " ".join(value.split()))


def valid_or_empty(field) -> object:
    """A filter's value, or None when the field was refused (so it does not filter)."""
    return None if field.errors else field.data


# The ninjs versions a partner's packages can be written in (packaging.ninjs.VERSIONS).
NINJS_CHOICES = [
    SelectChoice("1.6", "ninjs 1.6: what most deployed newsroom systems ingest (ASCII-safe JSON)"),
    SelectChoice("2.2", "ninjs 2.2"),
    SelectChoice("3.1", "ninjs 3.1"),
]


class PackageProfileForm(Form):
    """The ninjs version of a partner's packages: chosen by its administrator or by staff."""

    ninjs_version = SelectField(
        "ninjs version",
        choices=NINJS_CHOICES,
        description="The version of article.ninjs.json in every package and download.",
    )
