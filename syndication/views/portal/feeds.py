"""Partner portal pages for feeds: the addresses, and the feed token (issued, revoked)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from syndication.errors import redirect_refusals
from syndication.links import absolute_url
from syndication.services import feeds
from syndication.views import once
from syndication.views.access import partner_admin_required, partner_required
from syndication.views.confirm import confirm_first
from syndication.views.forms import ActionForm
from syndication.views.portal import bp

# Label, endpoint for an API key, endpoint for the feed token.
FORMATS = (
    ("RSS 2.0", "feeds.rss", "feeds.token_rss"),
    ("Atom", "feeds.atom", "feeds.token_atom"),
    ("JSON Feed 1.1", "feeds.json_feed", "feeds.token_json"),
)


@bp.route("/feeds")
@partner_required
def feeds_page():
    """The feeds page; a token just issued is shown in its addresses, this once only."""
    token = once.take("feed_token")
    response = render_template(
        "portal/feeds.html",
        key_urls=[(label, absolute_url(by_key)) for label, by_key, _ in FORMATS],
        token_urls=[(label, absolute_url(by_token, token=token)) for label, _, by_token in FORMATS]
        if token
        else [],
        has_token=current_user.partner.feed_token_hash is not None,
        can_manage=current_user.is_partner_admin,
    )
    # The page that shows a new token once must never be cached anywhere.
    return response, 200, once.NO_STORE


@bp.route("/feeds/token", methods=["POST"])
@partner_admin_required
@redirect_refusals("portal.feeds_page")
@confirm_first(
    lambda: (
        "Issue a new feed token? The addresses with the current token stop working at once."
        if current_user.partner.feed_token_hash is not None
        else None
    )
)
def issue_feed_token():
    if not ActionForm().validate_on_submit():
        abort(400)
    # Shown after the redirect, once: a reload there issues no second token.
    once.keep("feed_token", feeds.issue_feed_token(current_user.partner, actor=current_user))
    flash("A new feed token is issued: copy its addresses below.", "success")
    return redirect(url_for("portal.feeds_page"))


@bp.route("/feeds/token/revoke", methods=["POST"])
@partner_admin_required
@redirect_refusals("portal.feeds_page")
@confirm_first("Revoke the feed token? Feed readers using its addresses stop getting articles.")
def revoke_feed_token():
    if ActionForm().validate_on_submit():
        revoked = feeds.revoke_feed_token(current_user.partner, actor=current_user)
        flash(
            "The feed token is revoked; its addresses stop working at once."
            if revoked
            else "There was no feed token to revoke.",
            "success",
        )
    return redirect(url_for("portal.feeds_page"))
