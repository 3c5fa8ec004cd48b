"""The last step of every import: each byline once, each tag once, no empty end paragraphs.

Pure. Sources repeat a byline in another case ("Jeffrey Gettleman", "JEFFREY
GETTLEMAN"), a tag in another case or with its commas written as spaces
("Mayer, Marissa", "Mayer  Marissa"), and open or close a body with an empty
paragraph. Tidied here, at import, so every format of every package benefits.

Whether a comma separates tags is the format's business, not this step's: a
field that the format defines as a comma-separated list (``<media:keywords>``,
``<meta name="keywords">``) is split by its importer with :func:`keyword_list`;
one category, term, subject or tag element is one tag, commas and all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from syndication.ingest.drafts import ArticleDraft

# A paragraph holding nothing a reader sees: spaces, no-break spaces, line breaks.
_EMPTY = r"<p(?:\s[^>]*)?>(?:\s|&nbsp;|&#160;|&#xa0;|\xa0|<br\s*/?>)*</p>"
_LEADING = re.compile(rf"^(?:\s*{_EMPTY})+\s*", re.IGNORECASE)
_TRAILING = re.compile(rf"\s*(?:{_EMPTY}\s*)+$", re.IGNORECASE)
_EMPTY_PARAGRAPH = re.compile(_EMPTY, re.IGNORECASE)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _shouting(text: str) -> bool:
    return text.isupper()


def tidy_bylines(bylines: Iterable[str]) -> list[str]:
    """Each byline once, whatever its case; of two spellings the one not in capitals stays."""
    kept: dict[str, str] = {}
    for byline in bylines:
        text = " ".join(byline.split())
        if not text:
            continue
        key = _key(text)
        if key not in kept or (_shouting(kept[key]) and not _shouting(text)):
            kept[key] = text
    return list(kept.values())


def keyword_list(value: str) -> list[str]:
    """The keywords of a field written as one comma-separated list, trimmed, blanks dropped."""
    return [text for text in (" ".join(part.split()) for part in value.split(",")) if text]


def _tag_key(text: str) -> str:
    # "Mayer, Marissa" and "Mayer  Marissa" (a list that could not hold the comma) are one tag.
    return _key(text.replace(",", " "))


def tidy_tags(tags: Iterable[str]) -> list[str]:
    """Tags trimmed, blanks dropped, each once whatever its case or commas; never split.

    Of two spellings the first stays: importers give a tag element's own before a
    keywords list's.
    """
    kept: dict[str, str] = {}
    for tag in tags:
        text = " ".join(tag.split())
        if text:
            kept.setdefault(_tag_key(text), text)
    return [tag for key, tag in kept.items() if not _repeats_others(tag, key, kept)]


def _repeats_others(tag: str, key: str, kept: dict[str, str]) -> bool:
    """True for a tag that is the other tags joined by commas, not a tag of its own.

    A page that puts its whole keywords list in one ``article:tag`` ("Streaming,
    Forschung, Weltraum") also lists them one by one; "Mayer, Marissa" beside
    neither "Mayer" nor "Marissa" stays.
    """
    if "," not in tag:
        return False
    parts = [_tag_key(part) for part in keyword_list(tag)]
    return len(parts) > 1 and all(part in kept and part != key for part in parts)


def trim_empty_paragraphs(html: str) -> str:
    """The body without empty paragraphs before its first or after its last content."""
    return _trim_trailing(_LEADING.sub("", html))


def _last_paragraph_start(html: str, stop: int) -> int:
    lower = html.rfind("<p", 0, stop)
    # A later "<P" can only follow the last "<p": searched for there, not through the
    # whole body, which seldom has one (a search that fails reads every character).
    return max(lower, html.rfind("<P", lower + 1, stop))


def _trim_trailing(html: str) -> str:
    """``_TRAILING.sub("", html)``, without trying the pattern at every position of the body.

    The empty paragraphs are taken off the end one at a time. Their content
    holds no "<p", so one that ends a body starts at the last "<p" before its
    "</p>"; when that is a plain ``<p>`` (as the sanitiser writes it) that no
    unclosed tag holds, it starts there and nowhere else. Anything else
    (attributes, capitals, a stray "<p") is left to the pattern itself.
    """
    end = len(html)
    while True:
        stop = len(html[:end].rstrip())
        closing = html[max(0, stop - 4) : stop]
        if closing != "</p>":
            if closing.lower() == "</p>":
                return _TRAILING.sub("", html)
            break
        start = _last_paragraph_start(html, stop)
        if start < 0:
            break
        if not html.startswith("<p>", start) or html.rfind(">", 0, start) < _last_paragraph_start(
            html, start
        ):
            return _TRAILING.sub("", html)
        if not _EMPTY_PARAGRAPH.fullmatch(html, start, stop):
            break
        end = start
    return html[:end].rstrip() if end < len(html) else html


def tidy_draft(draft: ArticleDraft) -> None:
    """Tidy one draft in place (bylines, tags, the ends of its body)."""
    draft.bylines = tidy_bylines(draft.bylines)
    draft.tags = tidy_tags(draft.tags)
    draft.body_html = trim_empty_paragraphs(draft.body_html)
