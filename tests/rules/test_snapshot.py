"""The frozen terms snapshot a grant stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from syndication.rules import FORMATS, ArticleFacts, default_rules
from syndication.rules.snapshot import snapshot_hash, terms_snapshot

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "seed"
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
VARIABLES = {
    "organisation": "The Daily Caller News Foundation",
    "organisation_url": "https://dailycallernewsfoundation.org",
    "licensing_email": "licensing@dailycallernewsfoundation.org",
    "headline": "Kuleba and Lavrov",
    "byline": "Staff Reporter",
    "canonical_url": "https://dailycallernewsfoundation.org/2022/03/10/kuleba/",
    "published_date": "2022-03-10",
    "partner_name": "The Riverside Courier",
    "partner_tier": "standard",
    "licence_id": "LIC-1",
}


def _snapshot(**kw):
    return terms_snapshot(
        default_rules(),
        ArticleFacts(origin="original", policy="free_eligible", section="World"),
        variables=VARIABLES,
        partner_tier="standard",
        now=NOW,
        licence_id="LIC-1",
        rule_set_version=1,
        valid_from=NOW,
        **kw,
    )


def test_snapshot_covers_every_format_with_the_seed_footer_in_text():
    snapshot = _snapshot()
    assert set(snapshot["formats"]) == set(FORMATS)
    seed_footer = next(SEED.glob("*.txt")).read_text("utf-8").split("\n\n")[-1]
    assert snapshot["formats"]["text"]["footer"] == seed_footer
    html = snapshot["formats"]["html"]["footer"]
    assert 'href="mailto:licensing@dailycallernewsfoundation.org"' in html


def test_snapshot_records_which_rule_decided_and_is_json_stable():
    snapshot = _snapshot()
    assert snapshot["formats"]["text"]["decided_by"]["footer"] == 2
    assert snapshot_hash(snapshot) == snapshot_hash(_snapshot())
    assert snapshot_hash(snapshot) != snapshot_hash(_snapshot(extra_restrictions=["x"]))
