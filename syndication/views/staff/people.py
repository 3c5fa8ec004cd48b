"""Staff pages about people and what they did: colleagues (admins manage them) and the
audit log with its CSV export."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from syndication.errors import redirect_refusals
from syndication.models import Role
from syndication.services import audit, users
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.views.access import admin_required, staff_required
from syndication.views.confirm import confirm_first
from syndication.views.forms import ActionForm, valid_or_empty
from syndication.views.staff import bp
from syndication.views.staff.forms import AuditFilters, InviteColleagueForm, RoleForm


@bp.route("/colleagues")
@staff_required
def colleagues():
    """Everyone on the licensing desk; admins invite, change roles and deactivate."""
    return _colleagues_page(InviteColleagueForm())


@bp.route("/colleagues/invite", methods=["POST"])
@admin_required
def invite_colleague():
    """An admin invites a colleague (the form is on the colleagues page)."""
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            invited = users.invite_colleague(
                form.email.data, form.role.data, actor=current_user, name=form.name.data or ""
            )
        except DomainError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"We emailed an invitation to {invited.email}.", "success")
            return redirect(url_for("staff.colleagues"))
    return _colleagues_page(form)


def _colleagues_page(form: InviteColleagueForm):
    sort = parse_sort(request.args.get("sort"), users.STAFF_SORTS, "email")
    return render_template(
        "staff/colleagues.html",
        form=form,
        people=users.colleagues(sort=sort),
        sort=sort.param,
        can_manage=current_user.is_admin,
    ), (422 if form.errors else 200)


@bp.route("/colleagues/<int:user_id>/role", methods=["POST"])
@admin_required
@redirect_refusals("staff.colleagues")
@confirm_first(
    lambda user_id: (
        f"Make {users.colleague(user_id).email} "
        f"{'an admin' if request.form.get('role') == 'admin' else 'staff (no longer an admin)'}?"
    )
)
def change_role(user_id: int):
    form = RoleForm()
    if form.validate_on_submit():
        changed = users.change_role(user_id, Role(form.role.data), actor=current_user)
        flash(f"{changed.email} is now {changed.role.value}.", "success")
    return redirect(url_for("staff.colleagues"))


@bp.route("/colleagues/<int:user_id>/deactivate", methods=["POST"])
@admin_required
@redirect_refusals("staff.colleagues")
@confirm_first(
    lambda user_id: (
        f"Deactivate {users.colleague(user_id).email}? They are logged out at "
        "once and can no longer log in."
    )
)
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/colleagues/<int:user_id>/reactivate", methods=["POST"])
@admin_required
@redirect_refusals("staff.colleagues")
def reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    if ActionForm().validate_on_submit():
        changed = users.set_colleague_active(user_id, active, actor=current_user)
        flash(
            f"{changed.email} is {'active again' if changed.active else 'deactivated'}.",
            "success",
        )
    return redirect(url_for("staff.colleagues"))


def _audit_filters() -> tuple[AuditFilters, audit.LogFilters]:
    form = AuditFilters()
    form.actor.choices = [("", "anyone")] + [
        (str(u.id), audit.actor_name(u)) for u in audit.actors()
    ]
    form.object_type.choices = [("", "anything")] + [
        (t, audit.OBJECT_NAMES.get(t, t.replace("_", " "))) for t in audit.object_types()
    ]
    form.action.choices = [("", "any")] + [(a, a.replace("_", " ")) for a in audit.actions()]
    form.validate()
    actor = form.actor.data or ""
    filters = audit.LogFilters(
        actor_id=int(actor) if actor.isdigit() else None,
        object_type=form.object_type.data or "",
        object_id=valid_or_empty(form.object_id),
        action=form.action.data or "",
        date_from=valid_or_empty(form.date_from),
        date_to=valid_or_empty(form.date_to),
    )
    return form, filters


@bp.route("/audit")
@staff_required
def audit_log():
    """Every audited event, filtered by actor, object, action and date."""
    form, filters = _audit_filters()
    sort = parse_sort(request.args.get("sort"), audit.SORT_COLUMNS, "-when")
    found = audit.log(filters, sort=sort, cursor=request.args.get("cursor"))
    return render_template(
        "staff/audit.html",
        form=form,
        found=found,
        sort=sort.param,
        describe=audit.describe,
        object_label=audit.object_label,
        csv_url=url_for("staff.audit_csv", **request.args.to_dict()),
    ), (422 if form.errors else 200)


@bp.route("/audit.csv")
@staff_required
def audit_csv():
    """The filtered audit log as CSV, streamed."""
    _, filters = _audit_filters()
    return Response(
        stream_with_context(audit.log_csv(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
