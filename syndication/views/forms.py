"""Form pieces every blueprint uses: the base form, the empty POST form, passwords, domains."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, DateTimeLocalField, IntegerField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, ValidationError

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
