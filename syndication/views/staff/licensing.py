"""Staff pages for rules (editor, versions, preview) and the request queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from syndication import rules as engine
from syndication.errors import redirect_refusals
from syndication.inputs import MAX_ID, Id, QueryArgs, Text, form_ids, query_args
from syndication.models import Partner, PartnerStatus, PartnerTier, RequestStatus, SyndicationPolicy
from syndication.rules.model import RuleValidationError
from syndication.services import articles as article_service
from syndication.services import grants, request_queue, rulesets
from syndication.services import partners as partner_service
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.views.access import staff_required
from syndication.views.confirm import confirm_first
from syndication.views.forms import ActionForm, valid_or_empty
from syndication.views.staff import bp
from syndication.views.staff.forms import RequestFilters
from syndication.views.staff.rule_form import FLAG_LABELS, TEXT_LABELS, RuleForm, field_for_error


@bp.route("/rules")
@staff_required
def rules():
    rule_set = rulesets.ensure_current()
    return render_template(
        "staff/rules.html",
        rule_set=rule_set,
        rows=[(row, rulesets.to_engine(row)) for row in rulesets.rules_in_order(rule_set)],
        versions=rulesets.history(),
        action_form=ActionForm(),
    )


def _save(form: RuleForm, key: str | None):
    try:
        rulesets.save_rule(current_user, form.rule_data(), key=key)
    except RuleValidationError as exc:
        for path, message in exc.errors.items():
            field = getattr(form, field_for_error(path), None) or form.name
            field.errors.append(message)
        return None
    flash("Saved as a new rule-set version; existing grants keep their terms.", "success")
    return redirect(url_for("staff.rules"))


@bp.route("/rules/new", methods=["GET", "POST"])
@staff_required
def new_rule():
    form = RuleForm()
    if form.validate_on_submit() and (done := _save(form, None)):
        return done
    return render_template("staff/rule_form.html", form=form, key=None, **_labels()), (
        422 if form.errors else 200
    )


@bp.route("/rules/<key>/edit", methods=["GET", "POST"])
@staff_required
def edit_rule(key: str):
    row = next((r for r in rulesets.current().rules if r.key == key), None)
    if row is None:
        abort(404)
    form = RuleForm()
    if request.method == "GET":
        form.load(rulesets.to_engine(row))
    if form.validate_on_submit() and (done := _save(form, key)):
        return done
    return render_template("staff/rule_form.html", form=form, key=key, **_labels()), (
        422 if form.errors else 200
    )


def _labels() -> dict:
    return {
        "text_fields": list(TEXT_LABELS),
        "flag_fields": list(FLAG_LABELS),
        "variables": engine.VARIABLES,
    }


@bp.route("/rules/<key>/<any(up, down, activate, deactivate):change>", methods=["POST"])
@staff_required
@redirect_refusals("staff.rules")
def change_rule(key: str, change: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    if change in ("up", "down"):
        rulesets.move(current_user, key, -1 if change == "up" else 1)
    else:
        rulesets.set_active(current_user, key, change == "activate")
    return redirect(url_for("staff.rules"))


class PreviewArgs(QueryArgs):
    article_id: Id | None = None
    # The partner is typed (its name or how it begins), not chosen from a list of every
    # approved partner: with thousands of partners, their options were most of the page.
    partner: Text | None = None
    partner_id: Id | None = None  # a partner the page offered, or a link names
    tier: PartnerTier = PartnerTier.STANDARD
    format: Literal[engine.FORMATS] = "html"  # type: ignore[valid-type]


# How many approved partners whose name begins with what was typed the page offers.
PARTNER_CHOICES = 10
# The articles offered to preview on: the newest (any other by its page's link).
ARTICLE_CHOICES = 200


@dataclass(frozen=True, slots=True)
class PartnerPick:
    """Whom the preview is for, from a typed name: one partner, several to choose
    from (``more``: others begin so too), or a word on why there is none."""

    partner: Partner | None = None
    choices: list[Partner] = field(default_factory=list)
    more: bool = False
    error: str = ""


def _pick_partner(args: PreviewArgs) -> PartnerPick:
    typed = args.partner or ""
    if not typed:
        return PartnerPick(partner_service.find(args.partner_id))
    found = partner_service.named(typed, status=PartnerStatus.APPROVED, limit=PARTNER_CHOICES + 1)
    exact = [p for p in found if p.name.casefold() == typed.casefold()]
    if len(exact) == 1 or len(found) == 1:
        return PartnerPick((exact or found)[0])
    if not found:
        return PartnerPick(error=f"No approved partner's name begins with “{typed}”.")
    return PartnerPick(choices=found[:PARTNER_CHOICES], more=len(found) > PARTNER_CHOICES)


@bp.route("/rules/preview")
@staff_required
def preview():
    """Render an article's terms for a partner (or tier) and format, and say which rules won."""
    args = query_args(PreviewArgs)
    tier, fmt = args.tier.value, args.format
    article = article_service.find(args.article_id)
    pick = _pick_partner(args)
    partner = pick.partner
    result = None
    if article is not None:
        if partner is not None and partner.tier:
            tier = partner.tier.value
        result = rulesets.preview(
            article,
            tier=tier,
            fmt=fmt,
            partner_name=partner.name if partner else "Example Partner",
            licence_id="SD-PREVIEW",
        )
    articles = article_service.recent(ARTICLE_CHOICES)
    if article is not None and article not in articles:
        articles.insert(0, article)  # an older one, named by its page's link
    return render_template(
        "staff/preview.html",
        articles=articles,
        pick=pick,
        typed=partner.name if partner else (args.partner or ""),
        tiers=[t.value for t in PartnerTier],
        formats=engine.FORMATS,
        article=article,
        partner=partner,
        tier=tier,
        fmt=fmt,
        result=result,
    ), (422 if pick.error else 200)


class QueueArgs(QueryArgs):
    # "" lists every status.
    status: RequestStatus | Literal[""] = RequestStatus.PENDING
    partner_id: Id | None = None
    policy: SyndicationPolicy | None = None


@bp.route("/requests")
@staff_required
def requests():
    form = RequestFilters()
    if "status" not in request.args:
        form.status.data = "pending"
    form.validate()
    if (form.status.data or "") not in {"", *(s.value for s in RequestStatus)}:
        raise DomainError("“status” is not valid: choose pending, granted, refused or withdrawn.")
    sort = parse_sort(request.args.get("sort"), request_queue.SORT_COLUMNS, "requested")
    named = "" if form.partner.errors else (form.partner.data or "").strip()
    partner_id = None
    if not named:
        # Links made before the partner was typed name it by id; the field shows its name.
        raw = request.args.get("partner_id", "")
        # Only an id the database can hold: anything else shows every partner.
        chosen = int(raw) if raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID else None
        partner = partner_service.find(chosen)
        if partner is not None:
            partner_id, form.partner.data = partner.id, partner.name
    found = request_queue.page(
        request_queue.QueueFilters(
            status=form.status.data or "",
            partner_id=partner_id,
            partner_name=named,
            policy=form.policy.data or "",
            date_from=valid_or_empty(form.date_from),
            date_to=valid_or_empty(form.date_to),
        ),
        sort=sort,
        cursor=request.args.get("cursor"),
    )
    if named and not found.items and not partner_service.named(named, limit=1):
        # Asked only when nothing matched: a typo says so instead of "no requests".
        form.partner.errors = [f"No partner's name begins with “{named}”."]
    return render_template(
        "staff/requests.html",
        found=found,
        form=form,
        status=form.status.data or "",
        sort=sort.param,
    ), (422 if form.errors else 200)


@bp.route("/requests/bulk", methods=["POST"])
@staff_required
@confirm_first(
    lambda: (
        "Refuse every selected request? Each partner is emailed the reason."
        if request.form.get("decision") == "refuse"
        else None
    )
)
def bulk_requests():
    """Grant or refuse many queued requests at once; each is its own decision."""
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = form_ids("request_id")
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "")
    if decision not in ("grant", "refuse") or not ids:
        flash("Choose requests and whether to grant or refuse them.", "error")
        return redirect(url_for("staff.requests"))
    done, problems = grants.decide_many(ids, decision, actor=current_user, reason=reason)
    if done:
        verb = "granted" if decision == "grant" else "refused"
        flash(f"{done} request{'s' if done != 1 else ''} {verb}.", "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("staff.requests"))


def _refusal_question(request_id: int, decision: str) -> str | None:
    if decision != "refuse":
        return None
    found = grants.get_request(request_id)
    return (
        f"Refuse {found.partner.name}'s request for “{found.article.headline}”? "
        "They are emailed the reason."
    )


@bp.route("/requests/<int:request_id>/<any(grant, refuse):decision>", methods=["POST"])
@staff_required
@redirect_refusals("staff.requests")
@confirm_first(_refusal_question)
def decide_request(request_id: int, decision: str):
    grants.get_request(request_id)  # an unknown request is a 404 before anything else
    if not ActionForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason", "")
    if decision == "grant":
        grant = grants.grant_request(request_id, actor=current_user, note=reason)
        flash(f"Granted: licence {grant.licence_id}.", "success")
    else:
        grants.refuse_request(request_id, actor=current_user, reason=reason)
        flash("Refused; the partner has been told why.", "success")
    return redirect(url_for("staff.requests"))
