"""Does a republished copy keep the terms? Page HTML + what the grant demands -> verdicts.

Pure: the caller fetches the page and says what the copy should carry
(:func:`expected_copy` reads it from the package the grant gives today, its
terms snapshot and current revision); :func:`check_page` answers each check
with pass or fail and the evidence, the snippet found or missing.

The body text is what trafilatura extracts as the page's main text (it drops
the site's menus, sidebars and, usually, our footer), compared word by word
with the revision's body by RapidFuzz's Indel distance: the longest common
subsequence of the two word lists, computed bit-parallel in C++, so a
10,000-word article compares in about a millisecond where difflib's
SequenceMatcher, quadratic on repetitive text, took seconds; its opcodes say
*where* the copy differs, which is the evidence staff need beside the figure.
Only the stretch of the page that lines up with the body counts, so the
partner's own headline, related links and comments around it change nothing;
inside it, every word removed, added or replaced does. The terms allow changes
of style (spelling, house style): a few words in a hundred, each a word or two
long. ``MIN_SIMILARITY`` is that line, and ``MAX_REWRITE`` the longest passage
that may differ, so one rewritten paragraph in a long article is still caught.

Credit line, byline, footer and correction are looked for in the whole
page's visible text (trafilatura would drop a footer as boilerplate), with
case, spacing and typographic quotes set aside.
"""

from __future__ import annotations

import copy
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from rapidfuzz.distance import Indel

from syndication.ingest.charset import decode
from syndication.ingest.identity import normalise_url
from syndication.packaging.inputs import PackageInput

# Below this share of matching words (2·matches / words on both sides) the text was changed
# in substance, not in style: one rewritten sentence in a short article, a dropped paragraph.
MIN_SIMILARITY = 0.97
# After a revocation or takedown the copy must be gone: below this, the article's text is.
GONE_BELOW = 0.5
# Evidence quotes are cut to this many characters.
SNIPPET = 200
# How many of the places where the text differs the evidence quotes.
DIFFERENCES = 3
# Differences fewer than this many equal words apart are quoted as one passage.
_JOIN = 4
# Style edits touch a word or two at a time; a passage longer than this removed, added or
# replaced is a change of substance however long the article (one paragraph in 5,000 words
# keeps the figure above any threshold).
MAX_REWRITE = 12
# How many of our first and last words mark where the article starts and ends on a page.
_ANCHOR = 8

# The checks, in the order staff read them, with what each one asks.
CHECKS: dict[str, str] = {
    "text": "Body text unchanged (apart from style)",
    "credit": "Credit line present",
    "byline": "Byline present",
    "footer": "Footer present",
    "link": "Link or rel=canonical to the original",
    "pixel": "Tracking pixel present",
    "assets": "No image the terms exclude",
    "correction": "Correction is in",
    "removed": "Taken down after the licence ended",
}

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_INVISIBLE = ("script", "style", "noscript", "template", "head")


@dataclass(frozen=True, slots=True)
class Expected:
    """What one copy of a grant's article must carry today."""

    revision: int
    body_text: str
    credit: str = ""  # the credit line as text; "" when the terms ask for none
    bylines: tuple[str, ...] = ()
    footer: str = ""
    original_url: str = ""  # where a link or rel=canonical must point; "" when not owed
    pixel_url: str = ""  # "" when the terms carry no pixel
    correction: str = ""  # "Correction: …" once a correction was sent, else ""
    excluded_images: tuple[str, ...] = ()  # addresses of images that never ship
    withdrawn: str = ""  # why the copy must be gone (revoked, taken down); "" while licensed


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check: passed or not, and the snippet found or missing."""

    check: str
    passed: bool
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Report:
    """Every check of one copy; ``similarity`` is the body text's figure (None if not read)."""

    verdicts: tuple[Verdict, ...]
    similarity: float | None = None
    min_similarity: float = MIN_SIMILARITY

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    def results(self) -> list[dict[str, Any]]:
        return [v.as_dict() for v in self.verdicts]


def _html_text(fragment: str) -> str:
    """The text of an HTML fragment (a rule's rendered credit or footer)."""
    if not fragment or "<" not in fragment:
        return _SPACE.sub(" ", fragment or "").strip()
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return _SPACE.sub(" ", root.text_content()).strip()


def _prose(body_html: str) -> str:
    """A body's running text: figures and their captions left out, as extractors leave them."""
    root = lxml_html.fragment_fromstring(body_html or "<p></p>", create_parent="div")
    for figure in root.xpath("//figure | //figcaption"):
        figure.drop_tree()
    return _SPACE.sub(" ", " ".join(root.itertext())).strip()


def expected_copy(
    inp: PackageInput,
    *,
    withdrawn: str = "",
    fmt: str = "html",
) -> Expected:
    """What a copy made from ``inp`` (the grant's package today) must carry, in format ``fmt``."""
    article = inp.article
    terms = inp.format_terms(fmt)
    body = _prose(inp.body(fmt).html)
    original = ""
    if terms.get("canonical_link") or terms.get("originally_appeared"):
        original = article.canonical_url
    correction = article.public_note_line if article.public_note_kind == "correction" else ""
    return Expected(
        revision=article.revision,
        body_text=body,
        credit=_html_text(terms.get("credit_line") or ""),
        bylines=tuple(b for b in article.bylines if b.strip()),
        footer=_html_text(terms.get("footer") or ""),
        original_url=original,
        pixel_url=(inp.tracking_pixel_url or "") if terms.get("tracking_pixel") else "",
        correction=correction,
        excluded_images=tuple(a.source_url or a.filename for a in inp.assets if not a.syndicatable),
        withdrawn=withdrawn,
    )


def page_text(body: bytes) -> str:
    """The page's bytes decoded as a browser would (BOM, declared charset, then the bytes)."""
    return decode(body, markup="html").text


def _squash(text: str) -> str:
    """Text for a presence test: no case, no spacing, straight quotes, plain dashes."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()
    return _SPACE.sub("", text)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()
    return _WORD.findall(text)


def _quote(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return f"“{text[:SNIPPET]}{'…' if len(text) > SNIPPET else ''}”"


def _visible_text(tree: Any) -> str:
    """Every piece of text a reader sees: head, scripts and styles left out."""
    shown = copy.deepcopy(tree)
    for element in shown.xpath("|".join(f"//{tag}" for tag in _INVISIBLE)):
        element.drop_tree()  # keeps the text that follows it
    return " ".join(shown.itertext())


def _parse(html: str) -> Any:
    try:
        return lxml_html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        return lxml_html.document_fromstring("<html></html>")


def _main_text(html: str, tree: Any) -> str:
    extracted = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True
    )
    return extracted or _visible_text(tree)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Our body's words against the copy's: the figure, the longest rewrite, and where."""

    ratio: float
    longest: int = 0  # words in the longest passage removed, added or replaced
    differences: tuple[str, ...] = ()

    def evidence(self) -> str:
        shown = " ".join(self.differences[:DIFFERENCES])
        if len(self.differences) > DIFFERENCES:
            shown += f" And {len(self.differences) - DIFFERENCES} more."
        return shown


def similarity(expected: str, found: str, *, page: str = "") -> Comparison:
    """How much of the copy's main text ``found`` is our body ``expected``, and where not.

    The figure is the Indel similarity (2 x the longest common subsequence of
    words / all words) over the stretch of ``found`` that lines up with
    ``expected``, so what surrounds the article on the partner's page does not
    count against it. A passage the extractor left out but that is in the
    page's whole visible text ``page`` (a pull quote in an aside) is not missing.
    """
    want, have = _words(expected), _words(found)
    if not want:
        return Comparison(1.0)
    if not have:
        return Comparison(0.0, len(want), ("The page has no readable text.",))
    blocks = [op for op in Indel.opcodes(want, have) if op.tag == "equal"]
    if not blocks:
        return Comparison(
            0.0,
            len(want),
            (f"None of the article's text is on the page; it begins {_quote(expected)}.",),
        )
    span = have[slice(*_span(want, have, blocks))]
    total = len(want) + len(span)
    common = round(Indel.normalized_similarity(want, span) * total / 2)
    visible = f" {' '.join(_words(page))} " if page else ""
    recovered, longest, differences = 0, 0, []
    for i1, i2, j1, j2 in _regions(Indel.opcodes(want, span)):
        if j1 == j2 and visible and f" {' '.join(want[i1:i2])} " in visible:
            recovered += i2 - i1
            continue
        longest = max(longest, i2 - i1, j2 - j1)
        differences.append(_difference(want, span, i1, i2, j1, j2))
    ratio = 2 * (common + recovered) / (total + recovered)
    return Comparison(ratio, longest, tuple(differences))


def _span(want: list[str], have: list[str], blocks: list[Any]) -> tuple[int, int]:
    """Where in the copy's words our article starts and ends.

    Where the copy keeps our first and last words, they mark it (the last
    opening before the end: the headline above the body often repeats its
    opening words, and a common subsequence alone could start there).
    Otherwise the span runs from the first to the last run of at least
    ``_JOIN`` matching words, so a word or two matching far away ("the",
    "said" in a comment) does not stretch it.
    """
    size = min(_ANCHOR, len(want))
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(have) - size + 1):
        starts.setdefault(tuple(have[i : i + size]), []).append(i)
    opening = starts.get(tuple(want[:size]), [])
    closing = starts.get(tuple(want[-size:]), [])
    runs = [b for b in blocks if b.src_end - b.src_start >= _JOIN] or blocks
    end = closing[-1] + size if closing else runs[-1].dest_end
    # The last opening before the end: a headline repeating it comes earlier.
    starts_before = [i for i in opening if i + size <= end]
    start = starts_before[-1] if starts_before else min(runs[0].dest_start, end)
    return start, end


def _regions(opcodes: Iterable[Any]) -> list[tuple[int, int, int, int]]:
    """The places where the texts differ, as (i1, i2, j1, j2) word ranges.

    A rewritten sentence shares a few small words with the one it replaced
    ("the", "a", "said"); changes separated by fewer than ``_JOIN`` equal words
    are one place, so the evidence quotes the passage rather than its shreds.
    """
    regions: list[list[int]] = []
    for op in opcodes:
        if op.tag == "equal":
            continue
        if regions and op.src_start - regions[-1][1] < _JOIN:
            regions[-1][1], regions[-1][3] = op.src_end, op.dest_end
        else:
            regions.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    return [(a, b, c, d) for a, b, c, d in regions]


def _difference(want: list[str], span: list[str], i1: int, i2: int, j1: int, j2: int) -> str:
    """One place where our words and the copy's differ, as staff read it."""
    before = " ".join(want[max(0, i1 - 3) : i1])
    if i1 == i2:
        return f"Added in the copy after {_quote(before)}: {_quote(' '.join(span[j1:j2]))}."
    if j1 == j2:
        return f"Missing from the copy after {_quote(before)}: {_quote(' '.join(want[i1:i2]))}."
    return (
        f"After {_quote(before)}, ours: {_quote(' '.join(want[i1:i2]))};"
        f" the copy: {_quote(' '.join(span[j1:j2]))}."
    )


def _find_class(tree: Any, name: str) -> str:
    """The text of the first element whose class names ``name`` (what the page has instead)."""
    found = tree.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")
    return _SPACE.sub(" ", found[0].text_content()).strip() if found else ""


def _present(check: str, wanted: str, page: str, *, instead: str = "") -> Verdict:
    if _squash(wanted) in page:
        return Verdict(check, True, f"Found {_quote(wanted)}.")
    evidence = f"Missing {_quote(wanted)}."
    if instead:
        evidence += f" The page has {_quote(instead)} in its place."
    return Verdict(check, False, evidence)


def _same_page(url: str, target: str) -> bool:
    """Whether ``url`` names the page ``target`` (already normalised) names."""
    return bool(target) and normalise_url(url) == target


def _link_verdict(tree: Any, original: str, base: str) -> Verdict:
    target = normalise_url(original)
    for link in tree.xpath("//link[@href]"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and _same_page(urljoin(base, link.get("href")), target):
            return Verdict("link", True, f'Found <link rel="canonical" href="{link.get("href")}">.')
    for anchor in tree.xpath("//a[@href]"):
        if _same_page(urljoin(base, anchor.get("href")), target):
            text = _SPACE.sub(" ", anchor.text_content()).strip()
            return Verdict("link", True, f'Found <a href="{anchor.get("href")}">{text[:80]}</a>.')
    canonical = [
        link.get("href")
        for link in tree.xpath("//link[@href]")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    evidence = f"No link and no rel=canonical to {original}."
    if canonical:
        evidence += f" The page's rel=canonical points to {canonical[0]}."
    return Verdict("link", False, evidence)


def _image_sources(tree: Any, base: str) -> list[str]:
    sources: list[str] = []
    for element in tree.xpath("//img | //source"):
        for name in ("src", "data-src"):
            if element.get(name):
                sources.append(urljoin(base, element.get(name).strip()))
        for attribute in ("srcset", "data-srcset"):
            for candidate in (element.get(attribute) or "").split(","):
                if candidate.strip():
                    sources.append(urljoin(base, candidate.strip().split()[0]))
    return sources


def _pixel_verdict(sources: Sequence[str], pixel: str) -> Verdict:
    want = urlsplit(pixel)
    for src in sources:
        got = urlsplit(src)
        if got.netloc.lower() == want.netloc.lower() and got.path == want.path:
            return Verdict("pixel", True, f'Found <img src="{src}">.')
    return Verdict("pixel", False, f'Missing <img src="{pixel}">.')


def _assets_verdict(sources: Sequence[str], excluded: Iterable[str]) -> Verdict:
    excluded = [e for e in excluded if e]
    targets = [normalise_url(e) for e in excluded]
    names = {posixpath.basename(urlsplit(e).path).lower(): e for e in excluded}
    names.pop("", None)
    for src in sources:
        if any(_same_page(src, e) for e in targets):
            return Verdict(
                "assets", False, f'Found <img src="{src}">, which is not ours to license.'
            )
        name = posixpath.basename(urlsplit(src).path).lower()
        if name in names:
            return Verdict(
                "assets",
                False,
                f'Found <img src="{src}">: the same file as {names[name]}, which is not ours'
                " to license.",
            )
    if not excluded:
        return Verdict("assets", True, "The article has no image the terms exclude.")
    return Verdict("assets", True, f"None of the {len(excluded)} excluded image(s) is on the page.")


def check_page(
    html: str,
    expected: Expected,
    *,
    url: str = "",
    min_similarity: float = MIN_SIMILARITY,
) -> Report:
    """Every check of the copy at ``url`` whose HTML is ``html``, against ``expected``."""
    tree = _parse(html)
    visible = _visible_text(tree)
    compared = similarity(expected.body_text, _main_text(html, tree), page=visible)
    ratio = compared.ratio
    figure = f"Similarity {ratio:.3f}"
    if expected.withdrawn:
        gone = ratio < GONE_BELOW
        evidence = (
            f"{figure}: the article's text is no longer on the page."
            if gone
            else f"{figure}: the article is still on the page, though {expected.withdrawn}."
        )
        return Report((Verdict("removed", gone, evidence),), ratio, min_similarity)
    page = _squash(visible)
    unchanged = ratio >= min_similarity and compared.longest <= MAX_REWRITE
    rule = f"the terms allow style changes down to {min_similarity:.2f}"
    if ratio >= min_similarity and not unchanged:
        rule += f", but a passage of {compared.longest} words was rewritten, added or removed"
    verdicts = [
        Verdict(
            "text",
            unchanged,
            f"{figure} ({rule})." + (f" {compared.evidence()}" if compared.differences else ""),
        )
    ]
    if expected.credit:
        verdicts.append(
            _present("credit", expected.credit, page, instead=_find_class(tree, "credit"))
        )
    if expected.bylines:
        missing = [b for b in expected.bylines if _squash(b) not in page]
        verdicts.append(
            Verdict("byline", False, f"Missing {', '.join(_quote(b) for b in missing)}.")
            if missing
            else Verdict("byline", True, f"Found {', '.join(_quote(b) for b in expected.bylines)}.")
        )
    if expected.footer:
        verdicts.append(
            _present(
                "footer", expected.footer, page, instead=_find_class(tree, "syndication-footer")
            )
        )
    if expected.original_url:
        verdicts.append(_link_verdict(tree, expected.original_url, url))
    sources = _image_sources(tree, url)
    if expected.pixel_url:
        verdicts.append(_pixel_verdict(sources, expected.pixel_url))
    verdicts.append(_assets_verdict(sources, expected.excluded_images))
    if expected.correction:
        verdicts.append(_present("correction", expected.correction, page))
    return Report(tuple(verdicts), ratio, min_similarity)


def gone_report(status: int, why: str) -> Report:
    """A withdrawn copy whose page answers 404 or 410: taken down, as it must be."""
    return Report(
        (Verdict("removed", True, f"The page answers {status}: the copy is gone ({why})."),),
        None,
    )
