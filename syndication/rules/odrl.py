"""Machine-readable licence terms: an ODRL 2.2 Agreement in the IPTC RightsML style.

Shape (JSON-LD, compact; policy-level ``assigner``/``assignee``/``target``
apply to every rule, as ODRL 2.2 allows):

* permissions ``reproduce`` and ``distribute`` (together: republish), each
  constrained to the validity dates and, where given, the territory, each with
  the duty to ``attribute`` the organisation using the footer text;
* prohibitions ``modify`` (ODRL has no "keep unmodified" duty, so the house
  rule "no changes except for style" is a prohibition with that exception in
  words), ``sell`` and ``grantUse`` (no resale, no sub-licensing).

Dates: a ``datetime`` bound is an instant (``gteq`` from, ``lt`` until, as in
the rules); a ``date`` bound is a whole day (``gteq`` from, ``lteq`` until).
No clock is read, so equal inputs give equal dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
RIGHTSML_PROFILE = "https://iptc.org/std/RightsML/odrl-profile/"
# Full IRI because the ODRL context is not guaranteed to define a dcterms prefix.
DESCRIPTION = "http://purl.org/dc/terms/description"

STYLE_EXCEPTION = (
    "The text may not be changed except for style (spelling, house style, headline"
    " length); its substance, quotes and attributions stay as published."
)


def licence_uri(organisation_url: str, licence_id: str) -> str:
    """A stable URI for a licence id under the organisation's site."""
    return f"{organisation_url.rstrip('/')}/licences/{quote(licence_id, safe='')}"


def _require_uri(name: str, value: str) -> None:
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise ValueError(f"{name} must be an absolute URI, got {value!r}")


def _operand(value: date | datetime) -> dict[str, str]:
    # datetime is a date subclass, so test it first.
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("licence dates with a time must include a time zone")
        return {"@value": value.isoformat(), "@type": "xsd:dateTime"}
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _party(uid: str, name: str, email: str | None = None) -> dict[str, Any]:
    party: dict[str, Any] = {"uid": uid, "type": ["Party", "vcard:Organization"], "vcard:fn": name}
    if email:
        party["vcard:hasEmail"] = f"mailto:{email}"
    return party


def odrl_policy(
    *,
    uid: str,
    organisation: str,
    organisation_uri: str,
    partner_name: str,
    partner_uri: str,
    target: str,
    footer_text: str,
    valid_from: date | datetime | None = None,
    valid_until: date | datetime | None = None,
    territory: Sequence[str] = (),
    licensing_email: str | None = None,
) -> dict[str, Any]:
    """The ODRL Agreement letting ``partner`` republish ``target`` under the footer's terms."""
    for name, value in (
        ("uid", uid),
        ("organisation_uri", organisation_uri),
        ("partner_uri", partner_uri),
        ("target", target),
    ):
        _require_uri(name, value)
    if isinstance(territory, str):
        raise ValueError("territory must be a list of ISO 3166 codes, not a string")

    constraints: list[dict[str, Any]] = []
    if valid_from is not None:
        constraints.append(
            {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": _operand(valid_from)}
        )
    if valid_until is not None:
        operator = "lt" if isinstance(valid_until, datetime) else "lteq"
        constraints.append(
            {"leftOperand": "dateTime", "operator": operator, "rightOperand": _operand(valid_until)}
        )
    codes = sorted({code.strip().upper() for code in territory if code.strip()})
    if codes:
        constraints.append({"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": codes})

    attribute = {
        "action": "attribute",
        "attributedParty": organisation_uri,
        DESCRIPTION: footer_text,
    }

    def permission(action: str) -> dict[str, Any]:
        rule: dict[str, Any] = {"action": action, "duty": [dict(attribute)]}
        if constraints:
            rule["constraint"] = [dict(c) for c in constraints]
        return rule

    return {
        "@context": ODRL_CONTEXT,
        "type": "Agreement",
        "uid": uid,
        "profile": RIGHTSML_PROFILE,
        "assigner": _party(organisation_uri, organisation, licensing_email),
        "assignee": _party(partner_uri, partner_name),
        "target": target,
        "permission": [permission("reproduce"), permission("distribute")],
        "prohibition": [
            {"action": "modify", DESCRIPTION: STYLE_EXCEPTION},
            {"action": "sell"},
            {"action": "grantUse"},
        ],
    }
