"""Forms of logging in (password, second factor), and of setting or resetting a password."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length

from syndication.views.forms import Form, new_password_field, repeated_password_field


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])
    remember = BooleanField("Keep me logged in")


class SetPasswordForm(Form):
    password = new_password_field()
    confirm = repeated_password_field("Repeat the password")


class CodeForm(Form):
    code = StringField(
        "Code",
        description="The six digits your authenticator app shows, or one of your recovery codes.",
        validators=[DataRequired(), Length(max=40)],
    )


class TwoFactorForm(Form):
    """Turn the second factor on (with a code from the new secret), renew codes, or turn off."""

    code = StringField("Code from your app", validators=[DataRequired(), Length(max=40)])
    # Sent by the button pressed; never rendered as a field of its own.
    action = StringField(validators=[AnyOf(["enable", "regenerate", "disable"])])


class ForgotPasswordForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
