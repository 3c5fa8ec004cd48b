"""Pages anyone may see: the welcome page and the partner application."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from syndication.errors import problem
from syndication.extensions import limiter
from syndication.services import downloads, licences, notices, packages, partners, pixels
from syndication.services import health as health_service
from syndication.services.errors import DomainError, NotFound
from syndication.views.downloads import package_response, url_root
from syndication.views.forms import split_domains
from syndication.views.public import bp
from syndication.views.public.forms import AcknowledgeForm, ApplicationForm


@bp.route("/")
def index():
    return render_template("public/index.html")


@bp.route("/healthz")
def health():
    report = health_service.check()
    return report, 200 if report["status"] == "ok" else 503


def _apply_limit() -> str:
    return current_app.config["APPLY_RATE_LIMIT"]


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(_apply_limit, methods=["POST"])
def apply():
    terms = partners.current_terms()
    form = ApplicationForm()
    if not form.is_submitted():
        form.terms_version_id.data = terms.id
    if form.validate_on_submit():
        try:
            partner = partners.apply(
                partners.ApplicationData(
                    name=form.name.data,
                    website=form.website.data,
                    domains=split_domains(form.domains.data),
                    outlet_type=form.outlet_type.data,
                    region=form.region.data or "",
                    contact_name=form.contact_name.data,
                    contact_email=form.contact_email.data,
                    monthly_unique_visitors=form.monthly_unique_visitors.data,
                    newsletter_subscribers=form.newsletter_subscribers.data,
                    print_circulation=form.print_circulation.data,
                    intended_use=form.intended_use.data,
                    terms_version_id=form.terms_version_id.data or 0,
                )
            )
        except DomainError as exc:
            form.domains.errors.append(str(exc))
        else:
            flash(
                f"Thank you: we received the application of {partner.name} and sent a "
                f"confirmation to {partner.contact_email}.",
                "success",
            )
            return redirect(url_for("public.applied"))
    status = 422 if form.errors else 200
    return render_template("public/apply.html", form=form, terms=terms), status


@bp.route("/px/<token>.gif")
def pixel(token: str):
    """The tracking pixel: always the same GIF, never cached, so every view is seen.

    The hit is only buffered here; it is classified and counted by the flush. The
    headers are read from the WSGI environ as they came: this runs for every reader.
    """
    environ = request.environ
    buffered = pixels.record_hit(
        token,
        referrer=environ.get("HTTP_REFERER", ""),
        remote_addr=request.remote_addr or "",
        user_agent=environ.get("HTTP_USER_AGENT", ""),
        purpose=environ.get("HTTP_PURPOSE")
        or environ.get("HTTP_X_PURPOSE")
        or environ.get("HTTP_X_MOZ", ""),
        sec_purpose=environ.get("HTTP_SEC_PURPOSE", ""),
    )
    response = Response(
        pixels.PIXEL_GIF,
        mimetype="image/gif",
        headers={"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"},
    )
    return pixels.settle_after(response) if buffered else response


@bp.route("/download/<token>")
def signed_download(token: str):
    """A download link sent by email: the signature stands in for the login."""
    grant_id, partner_id, fmt = packages.from_link(token)
    built = downloads.download(
        partner_id,
        grant_id,
        fmt,
        url_root=url_root(),
        remembered=downloads.memory_of(current_app),
    )
    return package_response(built)


@bp.route("/notices/ack/<token>", methods=["GET", "POST"])
def acknowledge_notice(token: str):
    """The acknowledgement link of a notice email: confirm with one button, no login."""
    delivery = notices.delivery_by_link(token)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        notices.acknowledge_by_link(token)
        flash("Thank you: the notice is acknowledged.", "success")
        return redirect(url_for("public.acknowledge_notice", token=token))
    return render_template("public/acknowledge.html", delivery=delivery, form=form)


@bp.route("/apply/received")
def applied():
    return render_template("public/applied.html")


# Machines that ask for JSON at the licence URI itself get the same answer as the .json twin.
_JSON_TYPES = ("application/json", "application/ld+json")
# Public facts that change when a licence is revoked: caches keep them five minutes at most.
_LICENCE_CACHE = "public, max-age=300"


@bp.route("/licences/<licence_id>")
def licence(licence_id: str):
    """The page behind every package's licence URI: who may republish what, and if it holds."""
    best = request.accept_mimetypes.best_match([*_JSON_TYPES, "text/html"], default="text/html")
    if (
        best in _JSON_TYPES
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    ):
        response = licence_json(licence_id)
    else:
        found = licences.public(licence_id)
        response = current_app.make_response(render_template("public/licence.html", licence=found))
        if not current_user.is_authenticated:  # a logged-in page names its user: never shared
            response.headers["Cache-Control"] = _LICENCE_CACHE
        twin = url_for("public.licence_json", licence_id=found.licence_id)
        response.headers["Link"] = f'<{twin}>; rel="alternate"; type="application/json"'
    response.vary.add("Accept")
    return response


@bp.route("/licences/<licence_id>.json")
def licence_json(licence_id: str):
    """The licence page for machines."""
    try:
        found = licences.public(licence_id)
    except NotFound as exc:
        response = problem(404, "Not Found", str(exc))
    else:
        response = jsonify(found.as_json())
        response.headers["Cache-Control"] = _LICENCE_CACHE
    # Anyone may read it, from any site: it is what the licence URI is for.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
