"""The partner portal: every query is scoped to the logged-in user's partner."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from syndication.errors import redirect_refusals
from syndication.extensions import limiter
from syndication.inputs import form_ids
from syndication.models.base import utcnow
from syndication.services import (
    apikeys,
    articles,
    grants,
    notices,
    packages,
    partners,
    webhooks,
)
from syndication.services import downloads as downloads_service
from syndication.services import users as users_service
from syndication.services.errors import DomainError, NotFound
from syndication.views import catalogue as catalogue_filters
from syndication.views import once
from syndication.views.access import (
    log_in,
    partner_admin_required,
    partner_required,
    session_login_id,
)
from syndication.views.confirm import confirm_first
from syndication.views.downloads import package_response, url_root
from syndication.views.forms import ActionForm, PackageProfileForm
from syndication.views.portal import bp
from syndication.views.portal.forms import ApiKeyForm, ChangePasswordForm, InviteForm, WebhookForm


@bp.route("/")
@partner_required
def dashboard():
    return render_template(
        "portal/dashboard.html",
        partner=current_user.partner,
        grants=grants.grants_of(current_user.partner_id, limit=20),
        requests=grants.requests_of(current_user.partner_id, per_page=20).items,
        action_form=ActionForm(),
    )


@bp.route("/grants/<int:grant_id>")
@partner_required
def grant(grant_id: int):
    return render_template(
        "portal/grant.html",
        grant=grants.of_partner(current_user.partner_id, grant_id),
        formats=packages.DOWNLOAD_FORMATS,
        embed_code=packages.embed_code(grant_id, current_user.partner_id),
        action_form=ActionForm(),
    )


@bp.route("/grants/<int:grant_id>/download/<path:fmt>")
def download(grant_id: int, fmt: str):
    """A package download, or one file of it (remembered per worker: services.downloads).

    A remembered package is served after one statement that checks the login
    session, the grant and the package's fingerprint and logs the download;
    anything else goes through the full login check and the full download.
    """
    login_id = session_login_id()
    if login_id is not None:
        built = downloads_service.remembered_for_session(
            login_id,
            grant_id,
            fmt,
            url_root=url_root(),
            remembered=downloads_service.memory_of(current_app),
        )
        if built is not None:
            return package_response(built)
    return _checked_download(grant_id, fmt)


@partner_required
def _checked_download(grant_id: int, fmt: str):
    built = downloads_service.download(
        current_user.partner_id,
        grant_id,
        fmt,
        user_id=current_user.id,
        url_root=url_root(),
        remembered=downloads_service.memory_of(current_app),
    )
    return package_response(built)


@bp.route("/grants/<int:grant_id>/email-link", methods=["POST"])
@partner_required
def email_link(grant_id: int):
    grant = grants.of_partner(current_user.partner_id, grant_id)
    if ActionForm().validate_on_submit():
        packages.email_link(grant.id, current_user)
        flash(
            f"We emailed a download link to {current_user.email}; it works for 3 days.", "success"
        )
    return redirect(url_for("portal.grant", grant_id=grant.id))


@bp.route("/bundle", methods=["POST"])
@partner_required
def bundle():
    """Several grants in one zip, streamed as it is built."""
    if not ActionForm().validate_on_submit():
        abort(400)
    filename, chunks = packages.stream_many(
        form_ids("grant_id"),
        current_user.partner_id,
        user=current_user,
    )
    return Response(
        stream_with_context(chunks),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/downloads")
@partner_required
def downloads():
    return render_template(
        "portal/downloads.html",
        found=packages.downloads_of(current_user.partner_id, cursor=request.args.get("cursor")),
    )


@bp.route("/catalogue")
@partner_required
def catalogue():
    """What the partner may take, searchable and filtered; already-held articles marked."""
    filters, listing = catalogue_filters.partner_catalogue(
        current_user.partner_id, url_for("portal.catalogue")
    )
    return render_template("portal/catalogue.html", listing=listing, filters_html=filters.html), (
        422 if filters.invalid else 200
    )


@bp.route("/catalogue/<int:article_id>")
@partner_required
def preview(article_id: int):
    """The article as this partner would publish it: today's rules applied."""
    article = articles.offered(article_id)
    return render_template(
        "portal/preview.html",
        article=article,
        # Built by the HTML packager from sanitised input, with every text escaped.
        snippet=Markup(packages.preview(article, current_user.partner).decode()),
        held=grants.active_grant(current_user.partner_id, article.id),
        now=utcnow(),
        form=ActionForm(),
    )


@bp.route("/requests", methods=["GET", "POST"])
@partner_required
@redirect_refusals("portal.catalogue")
def requests():
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        results = grants.request_articles(
            current_user.partner,
            form_ids("article_id"),
            requested_by=current_user,
            note=request.form.get("note", ""),
        )
        counts = {status: 0 for status in ("granted", "pending", "refused")}
        for result in results:
            counts[result.request.status.value] = counts.get(result.request.status.value, 0) + 1
        flash(
            f"{counts['granted']} granted, {counts['pending']} waiting (the reasons are below), "
            f"{counts['refused']} refused.",
            "success",
        )
        return redirect(url_for("portal.requests"))
    return render_template(
        "portal/requests.html",
        found=grants.requests_of(current_user.partner_id, cursor=request.args.get("cursor")),
        form=ActionForm(),
    )


def _withdraw_question(request_id: int) -> str:
    found = grants.get_request(request_id)
    if found.partner_id != current_user.partner_id:
        raise NotFound("No such request.")  # another partner's request is not revealed
    return f"Withdraw your request for “{found.article.headline}”? You can request it again."


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@partner_required
@redirect_refusals("portal.requests")
@confirm_first(lambda request_id: _withdraw_question(request_id))
def withdraw_request(request_id: int):
    if ActionForm().validate_on_submit():
        grants.withdraw_request(request_id, partner_id=current_user.partner_id, actor=current_user)
        flash("Request withdrawn.", "success")
    return redirect(url_for("portal.requests"))


@bp.route("/users", methods=["GET", "POST"])
@partner_required
def users():
    form = InviteForm()
    if form.validate_on_submit():
        if not current_user.is_partner_admin:
            abort(403)
        try:
            invited = partners.invite_user(
                current_user.partner, form.email.data, inviter=current_user, admin=form.admin.data
            )
        except DomainError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"We emailed an invitation to {invited.email}.", "success")
            return redirect(url_for("portal.users"))
    members = partners.members(current_user.partner_id)
    can_manage = current_user.is_partner_admin
    return render_template(
        "portal/users.html",
        form=form,
        members=members,
        can_manage=can_manage,
        # Administrators remove others, never themselves (the service refuses that too).
        removable={u.id for u in members if can_manage and u.id != current_user.id},
        action_form=ActionForm(),
    ), (422 if form.errors else 200)


def _removal_question(user_id: int) -> str:
    member = partners.member(current_user.partner_id, user_id)  # another partner's: 404
    if not current_user.is_partner_admin:
        abort(403)
    return f"Remove {member.email}? They are logged out at once and can no longer log in."


@bp.route("/users/<int:user_id>/remove", methods=["POST"])
@partner_required
@redirect_refusals("portal.users")
@confirm_first(lambda user_id: _removal_question(user_id))
def remove_user(user_id: int):
    partners.member(current_user.partner_id, user_id)
    if not current_user.is_partner_admin:
        abort(403)
    if ActionForm().validate_on_submit():
        partners.remove_user(current_user.partner, user_id, actor=current_user)
        flash("The user is removed and logged out.", "success")
    return redirect(url_for("portal.users"))


@bp.route("/keys", methods=["GET", "POST"])
@partner_required
def keys():
    form = ApiKeyForm()
    if request.method == "POST" and not current_user.is_partner_admin:
        abort(403)
    if form.validate_on_submit():
        try:
            _, secret = apikeys.create_key(current_user, form.label.data)
        except DomainError as exc:
            form.label.errors.append(str(exc))
        else:
            # After the redirect, the page shows the key this once; a reload makes no other.
            once.keep("api_key", secret)
            flash(f"The key “{form.label.data}” is created.", "success")
            return redirect(url_for("portal.keys"))
    profile_form = PackageProfileForm(ninjs_version=current_user.partner.ninjs_version)
    response = render_template(
        "portal/keys.html",
        form=form,
        profile_form=profile_form,
        keys=apikeys.keys_of(current_user.partner_id),
        secret=once.take("api_key") if request.method == "GET" else None,
        can_manage=current_user.is_partner_admin,
    )
    # The page that shows a new key once must never be cached anywhere.
    return response, (422 if form.errors else 200), once.NO_STORE


@bp.route("/keys/profile", methods=["POST"])
@partner_admin_required
def package_profile():
    """Choose the ninjs version the partner's system reads; every package follows it."""
    form = PackageProfileForm()
    if form.validate_on_submit():
        partners.set_ninjs_version(
            current_user.partner, form.ninjs_version.data, actor=current_user
        )
        flash(f"Packages now carry ninjs {form.ninjs_version.data}.", "success")
    else:
        flash("Choose one of the ninjs versions listed.", "error")
    return redirect(url_for("portal.keys"))


def _key_question(key_id: int) -> str:
    key = apikeys.key_of(current_user.partner_id, key_id)
    return f"Revoke the key “{key.label}”? Everything using it stops working at once."


@bp.route("/keys/<int:key_id>/revoke", methods=["POST"])
@partner_admin_required
@confirm_first(_key_question)
def revoke_key(key_id: int):
    if ActionForm().validate_on_submit():
        key = apikeys.revoke_key(current_user, key_id)
        flash(f"The key “{key.label}” is revoked; it stops working at once.", "success")
    return redirect(url_for("portal.keys"))


@bp.route("/notices")
@partner_required
def notices_inbox():
    return render_template(
        "portal/notices.html",
        found=notices.inbox(current_user.partner_id, cursor=request.args.get("cursor")),
        action_form=ActionForm(),
    )


@bp.route("/notices/<int:delivery_id>/ack", methods=["POST"])
@partner_required
def acknowledge_notice(delivery_id: int):
    notices.delivery_of(current_user.partner_id, delivery_id)
    if ActionForm().validate_on_submit():
        notices.acknowledge(current_user.partner_id, delivery_id, user=current_user)
        flash("Thank you: the notice is marked as applied.", "success")
    return redirect(url_for("portal.notices_inbox"))


@bp.route("/webhook", methods=["GET", "POST"])
@partner_required
@confirm_first(
    lambda: (
        "Stop webhook deliveries? Notices will reach you by email and in the inbox only."
        if request.form.get("clear")
        else None
    )
)
def webhook():
    """Where events are delivered, the delivery log; the signing secret is shown once."""
    if not current_user.is_partner_admin and request.method == "POST":
        abort(403)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            if form.clear.data:
                webhooks.clear_webhook(current_user.partner, actor=current_user)
                flash(
                    "Webhook removed: notices now reach you by email and in the inbox.",
                    "success",
                )
            else:
                once.keep(
                    "webhook_secret",
                    webhooks.set_webhook(
                        current_user.partner, form.url.data or "", actor=current_user
                    ),
                )
                flash("The webhook is saved.", "success")
        except DomainError as exc:
            form.url.errors.append(str(exc))
        else:
            return redirect(url_for("portal.webhook"))
    elif request.method == "GET":
        form.url.data = current_user.partner.webhook_url or ""
    return _render_webhook(form, None, 422 if form.errors else 200)


def _render_webhook(form: WebhookForm, secret: str | None, status: int = 200):
    partner = current_user.partner
    return (
        render_template(
            "portal/webhook.html",
            form=form,
            secret=secret or (once.take("webhook_secret") if request.method == "GET" else None),
            partner=partner,
            endpoint=webhooks.endpoint(partner),
            deliveries=webhooks.log_of(partner.id),
            can_manage=current_user.is_partner_admin,
        ),
        status,
        once.NO_STORE,
    )


@bp.route("/webhook/rotate", methods=["POST"])
@partner_required
def rotate_webhook_secret():
    """A new signing secret, shown once; the previous one signs too for a day."""
    if not current_user.is_partner_admin:
        abort(403)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("portal.webhook"))
    try:
        secret = webhooks.rotate_secret(current_user.partner, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("portal.webhook"))
    # Shown once, after the redirect: a reload never rotates again.
    once.keep("webhook_secret", secret)
    flash("A new signing secret is issued; the previous one also signs for a day.", "success")
    return redirect(url_for("portal.webhook"))


@bp.route("/webhook/test", methods=["POST"])
@partner_required
def send_webhook_test():
    if not current_user.is_partner_admin:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            webhooks.send_test(current_user.partner, actor=current_user)
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            flash("A test event is on its way; its attempts appear below.", "success")
    return redirect(url_for("portal.webhook"))


@bp.route("/webhook/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@partner_required
def redeliver_webhook(delivery_id: int):
    if not current_user.is_partner_admin:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            webhooks.redeliver(delivery_id, partner_id=current_user.partner_id, actor=current_user)
        except DomainError as exc:
            if exc.status == 404:
                raise
            flash(str(exc), "error")
        else:
            flash("The delivery will be sent again, with the same webhook-id.", "success")
    return redirect(url_for("portal.webhook"))


def _current_password_limit() -> str:
    return current_app.config["CURRENT_PASSWORD_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.id}"


@bp.route("/account", methods=["GET", "POST"])
@partner_required
# Guesses at the current password, per user: only refused attempts count.
@limiter.limit(
    _current_password_limit,
    key_func=_per_user,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 422,
)
def account():
    """The partnership as we hold it, and the user's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users_service.change_password(
                current_user._get_current_object(), form.current.data, form.password.data
            )
        except DomainError as exc:
            form.current.errors.append(str(exc))
        else:
            # Every session ended with the password change: this browser starts a new one.
            log_in(current_user._get_current_object())
            flash("Your password is changed; other sessions are logged out.", "success")
            return redirect(url_for("portal.account"))
    return render_template("portal/account.html", form=form, partner=current_user.partner), (
        422 if form.errors else 200
    )
