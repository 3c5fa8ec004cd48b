"""Read the seed text format: a ``date YYYY-MM-DD`` header, then blank-line separated paragraphs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from syndication.ingest.drafts import ArticleDraft
from syndication.ingest.findings import find_cited_outlets, find_promos, mark_promos, split_footer
from syndication.ingest.sanitise import sanitise_html

HEADLINE_MAX_CHARS = 110

# The first paragraph follows the date on the same line in the canonical file;
# a line break there is accepted too. The file may start with a space.
_HEADER = re.compile(r"\A\s*date[ \t]+(?P<date>\S+)(?:[ \t]+|[ \t]*\n|\Z)", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! or ? (plus closing quotes/brackets) before a space and a
# capital, digit or opening quote. Abbreviations are checked separately.
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gov", "gen", "lt", "col",
        "sgt", "capt", "cmdr", "adm", "jr", "sr", "inc", "corp", "co", "ltd", "no", "vs",
        "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec",
        "u.s", "u.k", "u.n", "e.u", "d.c", "a.m", "p.m",
    }
)  # fmt: skip


class SeedFormatError(ValueError):
    """The bytes are not a seed text article; the message says what to fix."""


def parse_seed_text(
    data: bytes,
    *,
    headline: str | None = None,
    source_id: str = "",
    known_footers: Sequence[str] = (),
) -> ArticleDraft:
    """Parse one seed text article into a draft, its footer and promos reported as findings.

    Raises SeedFormatError when the bytes are not UTF-8, the date header is
    missing or invalid, or there is no body.
    """
    text = _decode(data)
    header = _HEADER.match(text)
    if header is None:
        raise SeedFormatError(
            "The file must start with a date header such as 'date 2022-03-10', "
            "followed by the article's paragraphs."
        )
    published = _parse_date(header["date"])
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text[header.end() :]) if p.strip()]
    if not paragraphs:
        raise SeedFormatError("The file has a date header but no article text after it.")

    body, footer = split_footer(paragraphs, known_footers)
    if not body:
        raise SeedFormatError("The file holds only a licensing footer, with no article text.")

    findings = [footer] if footer else []
    for paragraph in body:
        findings.extend(find_promos(paragraph))
    findings.extend(find_cited_outlets("\n\n".join(body)))

    opening = first_sentence(body[0])
    # The text is escaped by mark_promos already; sanitising puts it in the same
    # canonical serialisation as every other importer's body_html.
    body_html = sanitise_html("\n".join(f"<p>{mark_promos(p)}</p>" for p in body))
    return ArticleDraft(
        headline=(headline or "").strip() or trim_headline(opening),
        body_html=body_html,
        published_at=datetime(published.year, published.month, published.day, tzinfo=UTC),
        source_id=source_id,
        summary=opening,
        findings=findings,
    )


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFormatError(
            f"The file is not UTF-8 text (invalid byte at position {exc.start}); "
            "save it as UTF-8 and import it again."
        ) from exc
    # A BOM from Windows editors, and Windows or old Mac line endings, are not content.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _parse_date(value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise SeedFormatError(
            f"The date header '{value}' is not a valid date; write it as YYYY-MM-DD."
        ) from None


def first_sentence(paragraph: str) -> str:
    """Return the paragraph's first sentence, not fooled by "U.S." or "Mr."."""
    for match in _SENTENCE_END.finditer(paragraph):
        words = paragraph[: match.start()].split()
        word = words[-1].lstrip("\"“‘'(").lower() if words else ""
        is_initial = len(word) == 1 and word.isalpha()  # "John F. Kennedy"
        if word not in _ABBREVIATIONS and not is_initial:
            return paragraph[: match.end()].strip()
    return paragraph.strip()


def trim_headline(sentence: str) -> str:
    """Shorten a sentence to a headline at a word boundary, marking a cut with an ellipsis."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= HEADLINE_MAX_CHARS:
        # Headlines carry no full stop; a question or exclamation mark is meaning.
        return sentence.removesuffix(".")
    cut = sentence[: HEADLINE_MAX_CHARS - 1]  # room for the ellipsis
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
