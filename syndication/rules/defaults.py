"""The rule set a new installation starts with, reproducing the seed article's terms."""

from __future__ import annotations

from syndication.rules.model import Actions, Conditions, Rule

# The seed article's footer, word for word, with the two facts made variables.
FREE_FOOTER = (
    "Content created by {{ organisation }} is available without charge to any eligible"
    " news publisher that can provide a large audience. For licensing opportunities of our"
    " original content, please contact {{ licensing_email }}."
)

LICENSED_FOOTER = (
    "This article by {{ organisation }} is republished by {{ partner_name }} under licence"
    " {{ licence_id }}. It may not be resold or redistributed. For licensing opportunities"
    " of our original content, please contact {{ licensing_email }}."
)

CREDIT_LINE = "By {{ byline }}, {{ organisation }}"

ORIGINALLY_APPEARED = "This article originally appeared on {{ organisation }}: {{ canonical_url }}"

# Someone else's work that the organisation may syndicate under a recorded licence:
# credited to its rights holder, never to the organisation.
THIRD_PARTY_CREDIT_LINE = "By {{ byline }}, {{ rights_holder }}"
THIRD_PARTY_ORIGINALLY_APPEARED = (
    "This article originally appeared on {{ rights_holder }}: {{ canonical_url }}"
)
THIRD_PARTY_FOOTER = (
    "This article by {{ rights_holder }} is republished under licence {{ licence_reference }}"
    " through {{ organisation }}. It may not be resold or redistributed."
)


def default_rules() -> list[Rule]:
    """The default rule set: house credit and flags, one footer per policy, the pixel
    wherever HTML can reach a page."""
    return [
        Rule(
            id=1,
            name="House defaults",
            priority=0,
            actions=Actions(
                credit_line=CREDIT_LINE,
                originally_appeared=ORIGINALLY_APPEARED,
                strip_promos=True,
                strip_third_party_assets=True,
                canonical_link=True,
                tracking_pixel=False,
                noindex=False,
            ),
        ),
        Rule(
            id=2,
            name="Free-to-eligible footer",
            priority=10,
            conditions=Conditions(policies=frozenset({"free_eligible"})),
            actions=Actions(footer=FREE_FOOTER),
        ),
        Rule(
            id=3,
            name="Licensed footer",
            priority=10,
            conditions=Conditions(policies=frozenset({"licensed"})),
            actions=Actions(footer=LICENSED_FOOTER),
        ),
        Rule(
            id=4,
            name="Tracking pixel in HTML, Markdown and feeds",
            priority=0,
            # Every format whose HTML can land on a page: the snippet, the standalone page,
            # Markdown (as inline HTML) and feed entries, which CMSs import as they are. A
            # feed reader's fetch of the feed loads no image; the flush sets aside what is
            # not a reader (tracking/classify.py). Text, ninjs and NewsML-G2 cannot carry it.
            conditions=Conditions(formats=frozenset({"html", "page_html", "markdown", "feed"})),
            actions=Actions(tracking_pixel=True),
        ),
        Rule(
            id=5,
            name="Third-party content: credit the rights holder",
            priority=20,
            conditions=Conditions(
                origins=frozenset({"third_party"}),
                policies=frozenset({"free_eligible", "licensed"}),
            ),
            actions=Actions(
                credit_line=THIRD_PARTY_CREDIT_LINE,
                originally_appeared=THIRD_PARTY_ORIGINALLY_APPEARED,
                footer=THIRD_PARTY_FOOTER,
            ),
        ),
    ]
