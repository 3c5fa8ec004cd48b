"""LICENSE.txt: the grant's frozen terms in plain words, for the people who republish."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from syndication.packaging.inputs import (
    REVISIONS_KEPT,
    ArticleRevision,
    Organisation,
    PackageInput,
)

# English month names whatever the server's locale (strftime's %B follows it).
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@lru_cache(maxsize=256)  # a notice's grants were mostly issued at a few times; revisions too
def _when(value: str | None) -> str | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    text = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    if moment.hour or moment.minute or moment.second:
        text += f", {moment.hour:02d}:{moment.minute:02d}"
    # The offset from utcoffset() rather than strftime("%z"), which costs several
    # times more; seconds in an offset (real zones have none) are dropped.
    delta = moment.utcoffset()
    seconds = 0 if delta is None else int(delta.total_seconds())
    if abs(seconds) < 60:
        return f"{text} (UTC)"
    sign = "+" if seconds > 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{text} (UTC{sign}{hours:02d}:{minutes:02d})"


@lru_cache(maxsize=REVISIONS_KEPT)
def _fixed_lines(article: ArticleRevision, org: Organisation) -> tuple[str, str]:
    """THE ARTICLE's lines, and CONTACT's up to the licence's own address: the same for
    every grant of the revision, so written once."""
    about = (
        "THE ARTICLE",
        f"  Headline:  {article.headline}",
        f"  Original:  {article.canonical_url}",
        f"  Revision:  {article.revision}, of {_when(article.updated_at.isoformat())}",
    )
    contact = (
        "CONTACT",
        f"  {org.name}, {org.url}",
        f"  Licensing questions: {org.licensing_email}",
        "",
        "The same terms, machine-readable (ODRL), are in manifest.json.",
        "Whether this licence still holds (valid, expired, revoked or taken down):",
    )
    return "\n".join(about), "\n".join(contact)


def build(inp: PackageInput) -> bytes:
    """Who may republish what, when, under which restrictions, carrying which credit and footer."""
    article, org, grant = inp.article, inp.organisation, inp.grant
    terms = inp.terms
    about, contact = _fixed_lines(article, org)
    text_terms = inp.format_terms("text")
    valid_from = _when(terms.get("valid_from"))
    valid_until = _when(terms.get("valid_until"))
    lines = [
        f"LICENCE {grant.licence_id}",
        "",
        f"{org.name} grants {grant.partner_name} the right to republish the article"
        " below on the terms set out here. The terms were fixed when the article was granted"
        f" (grant {grant.grant_id}, rule set version {terms.get('rule_set_version')})"
        " and do not change with later rule edits.",
        "",
        about,
        "",
        "WHEN",
    ]
    if valid_from and valid_until:
        lines.append(f"  From {valid_from} until {valid_until}.")
    elif valid_from:
        lines.append(f"  From {valid_from}, until {org.name} withdraws it.")
    else:
        lines.append(f"  Until {valid_until}." if valid_until else "  Without a time limit.")
    lines += ["", "RESTRICTIONS"]
    lines += [f"  - {restriction}" for restriction in terms.get("restrictions", ())]
    lines += ["", "WHAT EVERY REPUBLISHED COPY MUST CARRY"]
    carried = (
        ("The credit line", text_terms.get("credit_line")),
        ("The link to the original", text_terms.get("originally_appeared")),
        ("The footer, at the end of the article", text_terms.get("footer")),
    )
    for label, value in carried:
        if value:
            lines += [f"  {label}:", f"    {value}"]
    lines += ["", "IMAGES"]
    if inp.images():
        lines.append("  Only the images in images/, each with its credit from images/CREDITS.txt.")
    else:
        lines.append(
            "  No images are licensed with this article; do not copy any from the original."
        )
    lines += [
        "",
        contact,
        f"  {inp.licence_uri}",
        "",
    ]
    return "\n".join(lines).encode()
