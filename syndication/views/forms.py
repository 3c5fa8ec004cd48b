"""Form pieces more than one blueprint uses: the empty POST form, domains, audience, passwords."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange

from syndication.services.users import MIN_PASSWORD_LENGTH

AUDIENCE = NumberRange(min=0, message="Enter a whole number of zero or more.")


def split_domains(text: str) -> list[str]:
    """Domains typed one per line (or comma-separated), blanks dropped."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ActionForm(FlaskForm):
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
