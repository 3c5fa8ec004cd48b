"""The terms snapshot a grant freezes: every format's rendered texts and flags.

A snapshot is plain JSON-ready data. Once stored with a grant it is never
recomputed: later rule edits leave it exactly as it was when granted. The
packaging formats read only this, never the live rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from syndication.rules.model import FORMATS, Rule
from syndication.rules.resolve import ArticleFacts, Context, RuleSet, resolve
from syndication.rules.templates import render_terms

SNAPSHOT_VERSION = 1

STANDARD_RESTRICTIONS = (
    "Republish the article in full, unedited except for house style.",
    "Keep the credit line, the footer and the link to the original exactly as supplied.",
    "Do not sell, sublicense or syndicate the article onward.",
    "Use only the images included in the package, with their credits.",
    "Apply corrections and takedowns promptly when notified.",
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def terms_snapshot(
    rules: RuleSet | Iterable[Rule],
    article: ArticleFacts,
    *,
    variables: Mapping[str, Any],
    partner_tier: str | None,
    now: datetime,
    licence_id: str,
    rule_set_version: int,
    valid_from: datetime,
    valid_until: datetime | None = None,
    extra_restrictions: Sequence[str] = (),
    hold_until: datetime | None = None,
) -> dict[str, Any]:
    """Resolve and render the rules for every output format, frozen as plain data.

    ``hold_until`` is the embargo of copy granted before it lifts (hold for
    release): frozen with the terms, and a restriction of its own.
    """
    rule_set = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    formats: dict[str, dict[str, Any]] = {}
    for fmt in FORMATS:
        resolution = resolve(rule_set, article, Context(partner_tier, fmt, now))
        rendered = render_terms(resolution, variables, fmt)
        formats[fmt] = {
            "footer": _plain(rendered.footer),
            "credit_line": _plain(rendered.credit_line),
            "originally_appeared": _plain(rendered.originally_appeared),
            "strip_promos": rendered.strip_promos,
            "strip_third_party_assets": rendered.strip_third_party_assets,
            "tracking_pixel": rendered.tracking_pixel,
            "noindex": rendered.noindex,
            "canonical_link": rendered.canonical_link,
            # Which rule decided each action: the record behind "why this footer?".
            "decided_by": {
                action: decision.rule_id
                for action, decision in resolution.decisions.items()
                if decision.rule_id is not None
            },
        }
    return {
        "snapshot_version": SNAPSHOT_VERSION,
        "licence_id": licence_id,
        "rule_set_version": rule_set_version,
        "valid_from": _iso(valid_from),
        "valid_until": _iso(valid_until),
        "partner_tier": partner_tier,
        "variables": {
            key: (str(value) if value is not None else None)
            for key, value in sorted(variables.items())
        },
        "restrictions": [
            *([hold_restriction(hold_until)] if hold_until else []),
            *STANDARD_RESTRICTIONS,
            *extra_restrictions,
        ],
        "hold_until": _iso(hold_until),
        "formats": formats,
    }


def hold_restriction(hold_until: datetime) -> str:
    """The words of a hold-for-release embargo, the same in every format."""
    hold_until = hold_until.astimezone(UTC)
    return (
        f"HOLD FOR RELEASE: embargoed until {hold_until:%d %b %Y %H:%M} UTC. "
        "Do not publish before then."
    )


def _plain(value: object) -> str | None:
    # HTML renders come back as Markup; the snapshot stores plain strings.
    return None if value is None else str(value)


def snapshot_hash(snapshot: Mapping[str, Any]) -> str:
    """A stable sha256 of a snapshot (sorted keys), for manifests and cache keys."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
