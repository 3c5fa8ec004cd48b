"""Forms of the partner portal: invite users, API keys, the webhook, the password."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, StringField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional

from syndication.views.forms import Form, new_password_field, repeated_password_field


class InviteForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    admin = BooleanField("Can manage users and keys")


class ApiKeyForm(Form):
    label = StringField(
        "Label",
        description="What will use the key, e.g. “WordPress importer”.",
        validators=[DataRequired(), Length(max=100)],
    )


class WebhookForm(Form):
    url = URLField(
        "Webhook URL",
        description="An https:// address that receives correction and takedown notices.",
        validators=[Optional(), Length(max=500)],
    )
    clear = BooleanField("Stop webhook deliveries")


class ChangePasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    password = new_password_field()
    confirm = repeated_password_field("Repeat the new password")
