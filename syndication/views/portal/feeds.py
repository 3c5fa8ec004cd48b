"""Partner portal pages for feeds: the addresses, and the feed token (issued, revoked)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from syndication.errors import redirect_refusals
from syndication.links import absolute_url
from syndication.services import feeds
from syndication.views.access import partner_required
from syndication.views.forms import ActionForm
from syndication.views.portal import bp

# Label, endpoint for an API key, endpoint for the feed token.
FORMATS = (
    ("RSS 2.0", "feeds.rss", "feeds.token_rss"),
    ("Atom", "feeds.atom", "feeds.token_atom"),
    ("JSON Feed 1.1", "feeds.json_feed", "feeds.token_json"),
)


def _page(token: str | None = None):
    """The feeds page; a token just issued is shown in its addresses, this once only."""
    response = render_template(
        "portal/feeds.html",
        key_urls=[(label, absolute_url(by_key)) for label, by_key, _ in FORMATS],
        token_urls=[(label, absolute_url(by_token, token=token)) for label, _, by_token in FORMATS]
        if token
        else [],
        has_token=current_user.partner.feed_token_hash is not None,
        can_manage=current_user.is_partner_admin,
        action_form=ActionForm(),
    )
    # The page that shows a new token once must never be cached anywhere.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/feeds")
@partner_required
def feeds_page():
    return _page()


@bp.route("/feeds/token", methods=["POST"])
@partner_required
@redirect_refusals("portal.feeds_page")
def issue_feed_token():
    if not current_user.is_partner_admin:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _page(feeds.issue_feed_token(current_user.partner, actor=current_user))


@bp.route("/feeds/token/revoke", methods=["POST"])
@partner_required
@redirect_refusals("portal.feeds_page")
def revoke_feed_token():
    if not current_user.is_partner_admin:
        abort(403)
    if ActionForm().validate_on_submit():
        revoked = feeds.revoke_feed_token(current_user.partner, actor=current_user)
        flash(
            "The feed token is revoked; its addresses stop working at once."
            if revoked
            else "There was no feed token to revoke.",
            "success",
        )
    return redirect(url_for("portal.feeds_page"))
