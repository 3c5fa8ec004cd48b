"""Forms of the staff pages: partner decisions, eligibility, rights, corrections, imports,
colleagues, and the filters of the staff lists."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SearchField,
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
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from syndication.models import NoticeKind, Origin, PartnerTier, SyndicationPolicy
from syndication.views.forms import AUDIENCE, FilterForm, Form, date_range_fields

TIER_CHOICES = [SelectChoice(t.value, t.value.capitalize()) for t in PartnerTier]
REQUIRABLE_FIELDS = [
    SelectChoice("region", "Country / region"),
    SelectChoice("intended_use", "How the content will be used"),
    SelectChoice("contact_name", "Contact name"),
]


class DecisionForm(Form):
    action = HiddenField(validators=[DataRequired()])
    version = IntegerField(widget=HiddenField.widget, validators=[DataRequired()])
    tier = SelectField("Tier", choices=TIER_CHOICES, default=PartnerTier.STANDARD.value)
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=4000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EligibilityForm(Form):
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


class RightsForm(Form):
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


class RevisionForm(Form):
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


def _http_url(form: Form, field: URLField) -> None:
    """Only http(s): any other scheme could never be an article's URL."""
    if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
        raise ValidationError("Give an http:// or https:// URL.")


class ImportForm(Form):
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


class OwnSourcesForm(Form):
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


class QuotasForm(Form):
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
    standard_embargoed = BooleanField(
        "Standard tier is trusted with embargoed copy",
        description="Granted at once, to hold for release; otherwise the request waits.",
    )
    premium_embargoed = BooleanField(
        "Premium tier is trusted with embargoed copy",
        description="Granted at once, to hold for release; otherwise the request waits.",
    )


class AssetFileForm(Form):
    """An asset's image file, uploaded by staff (checked to be the image it claims)."""

    file = FileField("Image file", validators=[FileRequired()])


class NoticeForm(Form):
    """Correct, update or take down an article; what changes depends on the kind."""

    headline = StringField("Headline", validators=[Optional(), Length(max=500)])
    dek = TextAreaField("Dek", validators=[Optional(), Length(max=2000)])
    body_html = TextAreaField(
        "Body (HTML)",
        description="Sanitised on save. Leave as it is to send a notice about the current text.",
        validators=[Optional(), Length(max=500_000)],
    )
    note = TextAreaField(
        "Public note",
        description="Shown to partners in every format: what was corrected or updated, or "
        "why the article is withdrawn.",
        validators=[Optional(), Length(max=2000)],
    )
    record_reason = TextAreaField(
        "Reason for the record",
        description="Kept in the audit log; partners never see it.",
        validators=[Optional(), Length(max=4000)],
    )


class RevokeGrantForm(Form):
    reason = TextAreaField(
        "Reason for the record",
        description="Kept in the audit log; the partner never sees it.",
        validators=[DataRequired(), Length(max=4000)],
    )
    public_reason = TextAreaField(
        "Reason for the partner",
        description="Shown in the notice, the email and every refused download.",
        validators=[DataRequired(), Length(max=2000)],
    )


class NoticeDeadlinesForm(Form):
    takedown = IntegerField(
        "Takedowns and revocations: hours to acknowledge",
        validators=[DataRequired(), NumberRange(min=1, max=24 * 60)],
    )
    correction = IntegerField(
        "Corrections: hours to acknowledge",
        validators=[DataRequired(), NumberRange(min=1, max=24 * 60)],
    )
    update = IntegerField(
        "Updates: hours to acknowledge",
        validators=[DataRequired(), NumberRange(min=1, max=24 * 60)],
    )


class PartnerFilters(FilterForm):
    """The partners list's filters (the status is the tab above it)."""

    q = SearchField("Search", description="Name, domain or email")
    recommendation = SelectField(
        "Recommendation",
        choices=[
            SelectChoice("", "any"),
            SelectChoice("approve", "approve"),
            SelectChoice("reject", "reject"),
        ],
        validate_choice=False,
    )
    date_from, date_to = date_range_fields("Applied from", "Applied to")


class RequestFilters(FilterForm):
    """The request queue's filters. The partner is typed, not picked from a list: with
    thousands of partners, a list of them all was most of the page's cost."""

    status = SelectField(
        "Status",
        choices=[
            SelectChoice(s, s or "all") for s in ("pending", "granted", "refused", "withdrawn", "")
        ],
        default="pending",
        validate_choice=False,
    )
    partner = SearchField(
        "Partner",
        description="Its name, or how the name begins",
        validators=[Optional(), Length(max=200)],
    )
    policy = SelectField(
        "Policy",
        choices=[SelectChoice("", "any")]
        + [SelectChoice(p.value, p.value.replace("_", " ")) for p in SyndicationPolicy],
        validate_choice=False,
    )
    date_from, date_to = date_range_fields("Requested from", "Requested to")


class NoticeListFilters(FilterForm):
    """The Notices table's filters: which kind, whose answers are missing, when sent."""

    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "any")] + [SelectChoice(k.value, k.value) for k in NoticeKind],
        validate_choice=False,
    )
    state = SelectField(
        "Holders",
        choices=[
            SelectChoice("", "any"),
            SelectChoice("open", "some have not acknowledged"),
            SelectChoice("overdue", "some are overdue"),
        ],
        validate_choice=False,
    )
    date_from, date_to = date_range_fields("Sent from", "Sent to")


class NoticeHolderFilters(FilterForm):
    """One notice's holders, by whether they answered."""

    state = SelectField(
        "Show",
        choices=[
            SelectChoice("", "every holder"),
            SelectChoice("acknowledged", "acknowledged"),
            SelectChoice("pending", "pending"),
            SelectChoice("overdue", "overdue"),
        ],
        validate_choice=False,
    )


class AuditFilters(FilterForm):
    """The audit log's filters: who, on what, which action, when."""

    actor = SelectField("Actor", validate_choice=False)
    object_type = SelectField("Object", validate_choice=False)
    object_id = IntegerField("Object id", validators=[Optional(), NumberRange(min=1)])
    action = SelectField("Action", validate_choice=False)
    date_from, date_to = date_range_fields()


STAFF_ROLE_CHOICES = [SelectChoice("staff", "Staff"), SelectChoice("admin", "Admin")]


class InviteColleagueForm(Form):
    """An admin invites a colleague: an email with a link to set a password."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=STAFF_ROLE_CHOICES, default="staff")


class RoleForm(Form):
    """A colleague's new role."""

    role = SelectField("Role", choices=STAFF_ROLE_CHOICES)


class CopyFilters(FilterForm):
    """The Copies list's filters: which flags, whose, where, last seen when."""

    q = SearchField("Page or domain")
    partner = SearchField("Partner")
    flag = SelectField(
        "Flag",
        choices=[
            SelectChoice("", "any or none"),
            SelectChoice("unknown_domain", "unknown domain"),
            SelectChoice("after_revocation", "still up after revocation"),
            SelectChoice("check_failed", "check failed"),
        ],
        validate_choice=False,
    )
    state = SelectField(
        "Flag state",
        choices=[
            SelectChoice("", "every copy"),
            SelectChoice("open", "open flags"),
            SelectChoice("handled", "handled flags"),
        ],
        validate_choice=False,
    )
    date_from, date_to = date_range_fields("Last seen from", "Last seen to")


class HandleFlagForm(Form):
    note = TextAreaField(
        "What was done",
        description="Kept with the flag and in the audit log.",
        validators=[DataRequired("Say what was done about it."), Length(max=2000)],
    )


class CopyForm(Form):
    """A republished page of the article, entered by staff, and the grant it belongs to."""

    url = URLField(
        "Address of the republished page",
        description="The partner's page carrying the article (http or https).",
        validators=[DataRequired(), Length(max=1000)],
    )
    grant_id = SelectField("Grant", coerce=int, validators=[DataRequired()])
