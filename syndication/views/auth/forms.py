"""Forms of logging in and of setting a password from an invitation."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from syndication.views.forms import Form, new_password_field, repeated_password_field


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])
    remember = BooleanField("Keep me logged in")


class SetPasswordForm(Form):
    password = new_password_field()
    confirm = repeated_password_field("Repeat the password")
