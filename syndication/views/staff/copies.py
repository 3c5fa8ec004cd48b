"""The Copies page: every republished copy the pixel found, its flags, and flags handled."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from syndication.models import FlagKind
from syndication.services import copies
from syndication.services.errors import DomainError
from syndication.services.pagination import parse_sort
from syndication.views.access import staff_required
from syndication.views.forms import valid_or_empty
from syndication.views.staff import bp
from syndication.views.staff.forms import CopyFilters, HandleFlagForm


def _handle_form(flag_id: int, formdata=None) -> HandleFlagForm:
    """The note form of one flag: its fields named after the flag, so ids never repeat."""
    return HandleFlagForm(prefix=f"flag{flag_id}", **({} if formdata else {"formdata": None}))


def _copies_page(failed: HandleFlagForm | None = None, failed_id: int = 0, status: int = 200):
    form = CopyFilters()
    form.validate()
    sort = parse_sort(request.args.get("sort"), copies.COPY_SORTS, "-last_seen")
    # A value that is not one of the choices filters nothing, like an empty one.
    flag, state = form.flag.data or "", form.state.data or ""
    filters = copies.CopyFilters(
        flag=flag if flag in {kind.value for kind in FlagKind} else "",
        state=state if state in ("open", "handled") else "",
        q=(form.q.data or "").strip(),
        partner=(form.partner.data or "").strip(),
        seen_from=valid_or_empty(form.date_from),
        seen_to=valid_or_empty(form.date_to),
    )
    found = copies.search(filters, sort=sort, cursor=request.args.get("cursor"))
    return render_template(
        "staff/copies.html",
        found=found,
        form=form,
        sort=sort.param,
        handle_form=lambda flag_id: failed if flag_id == failed_id else _handle_form(flag_id),
    ), (422 if form.errors else status)


@bp.route("/copies")
@staff_required
def copies_list():
    """Every copy with its flags, filtered by flag, partner, page and when last seen."""
    return _copies_page()


@bp.route("/copies/flags/<int:flag_id>/handle", methods=["POST"])
@staff_required
def handle_copy_flag(flag_id: int):
    """Mark one flag handled with a note saying what was done; back to the list."""
    form = _handle_form(flag_id, formdata=True)
    if form.validate_on_submit():
        try:
            flag = copies.handle_flag(flag_id, actor=current_user, note=form.note.data)
        except DomainError as exc:
            if exc.status == 404:
                raise
            # Someone else handled it meanwhile: the list shows how.
            flash(str(exc), "error")
        else:
            flash(f"The flag on {flag.copy.url} is marked handled.", "success")
        return redirect(url_for("staff.copies_list"))
    return _copies_page(form, flag_id, 422)
