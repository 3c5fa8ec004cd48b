"""Read IPTC ninjs news items (1.x, 2.x and the camelCase 3.x) into article drafts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from syndication.ingest.drafts import ArticleDraft, AssetDraft, FileNotes
from syndication.ingest.enrich import collapse, finish_draft, paragraphs_html, parse_datetime
from syndication.ingest.errors import ImportFormatError
from syndication.json_depth import nests_within

# Items that are no article: media arrive as associations of a text item; an event is
# what a planning desk covers, not a story.
_NOT_ARTICLES = frozenset({"picture", "graphic", "video", "audio", "event"})
_STATUSES = {"usable": "published", "withheld": "withheld", "canceled": "canceled"}

Item = dict[str, Any]
# An item, its associations, their renditions: a few levels. Deeper is no news item, and
# reading it by recursion (_lower_keys) would run out of stack.
_DEPTH = 64
_TOO_DEEP = f"The ninjs file nests its data more than {_DEPTH} levels deep: no news item does."


def _lower_keys(value: Any) -> Any:
    """Return ``value`` with every object key lower-cased: 3.x ``versionCreated`` is 2.x's key."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def _string(value: Any) -> str:
    return collapse(value) if isinstance(value, str) else ""


def _role_value(entries: Any, *roles: str) -> str:
    """The value of the first entry with one of ``roles``, else of the first entry at all."""
    if not isinstance(entries, list):
        return ""
    candidates = [e for e in entries if isinstance(e, dict) and isinstance(e.get("value"), str)]
    for role in roles:
        for entry in candidates:
            if entry.get("role") == role:
                return entry["value"]
    return candidates[0]["value"] if candidates else ""


# 1.x names its texts by pattern, the suffix saying their purpose or format: "headline_main",
# "body_richtext", "description_text". These suffixes name markup, read as HTML is.
_MARKUP_SUFFIXES = ("html", "richtext", "xml")


def _named_texts(item: Item, prefix: str) -> list[tuple[str, str]]:
    """1.x's ``prefix``-named texts as (suffix, text), in the item's order; blank ones left out."""
    return [
        (key.removeprefix(prefix), value)
        for key, value in item.items()
        if key.startswith(prefix) and isinstance(value, str) and value.strip()
    ]


def _is_markup(suffix: str) -> bool:
    return any(name in suffix for name in _MARKUP_SUFFIXES)


def _named_text(named: list[tuple[str, str]], *, first: str = "") -> str:
    """Of ``_named_texts``, the one suffixed ``first``, else the first plain one, else any."""
    for suffix, value in named:
        if suffix == first:
            return value
    plain = [value for suffix, value in named if not _is_markup(suffix)]
    return (plain or [value for _, value in named] or [""])[0]


def _body(item: Item) -> str:
    """The item's body as HTML: the first HTML body, else the plain text one as paragraphs.

    In 1.x that is ``body_html`` or another body named as markup (``body_richtext``,
    ``body_xhtml``), else ``body_text`` or another (``body_main``); in 2.x and 3.x
    a ``bodies`` entry by its content type.
    """
    if isinstance(item.get("body_html"), str):  # 1.x
        return item["body_html"]
    named = _named_texts(item, "body_")
    for suffix, value in named:
        if _is_markup(suffix):
            return value
    bodies = [b for b in item.get("bodies") or [] if isinstance(b, dict)]
    for body in bodies:
        if "html" in str(body.get("contenttype", "")) and isinstance(body.get("value"), str):
            return body["value"]
    text = item.get("body_text") if isinstance(item.get("body_text"), str) else ""
    text = text or _named_text(named)
    for body in bodies:
        if not text and isinstance(body.get("value"), str):
            text = body["value"]
    # Agency plain text puts one paragraph on each line.
    return paragraphs_html(text.replace("\r\n", "\n").replace("\n", "\n\n")) if text else ""


def _associations(item: Item) -> list[Item]:
    associations = item.get("associations")
    if isinstance(associations, dict):  # 1.x: name -> item
        return [v for v in associations.values() if isinstance(v, dict)]
    if isinstance(associations, list):  # 2.x and 3.x: items carrying their name
        return [v for v in associations if isinstance(v, dict)]
    return []


def _rendition(association: Item) -> Item | None:
    """The largest rendition with a link: partners get the best copy we may pass on."""
    renditions = association.get("renditions")
    if isinstance(renditions, dict):
        renditions = list(renditions.values())
    usable = [r for r in renditions or [] if isinstance(r, dict) and _string(r.get("href"))]
    if not usable:
        return None

    def width(rendition: Item) -> int:
        value = rendition.get("width")
        return value if isinstance(value, int) else 0

    return max(usable, key=width)


def _asset(association: Item) -> AssetDraft | None:
    rendition = _rendition(association)
    if rendition is None:
        return None
    caption = (
        _string(association.get("description_text"))
        or _string(_role_value(association.get("descriptions"), "caption", "text"))
        or _string(association.get("headline"))
        or _string(_role_value(association.get("headlines"), "main"))
    )
    return AssetDraft(
        url=_string(rendition["href"]),
        caption=caption,
        credit=_string(association.get("byline")) or _string(association.get("by")),
        rights_holder=_string(association.get("copyrightholder")),
        mime_type=_string(rendition.get("mimetype")) or _string(rendition.get("contenttype")),
    )


def _names(entries: Any) -> list[str]:
    if not isinstance(entries, list):
        return []
    return [_string(e.get("name")) for e in entries if isinstance(e, dict)]


def _keywords(entries: Any) -> list[str]:
    """The item's ``keywords``, each one tag, whole: a keyword may hold a comma.

    No IPTC ninjs schema (1.6 to 3.1) defines the field; Superdesk's ninjs
    output adds it as an array of texts, and agencies on Superdesk send it.
    Entries that are not texts, and blank ones, are skipped.
    """
    if not isinstance(entries, list):
        return []
    return [text for text in (_string(e) for e in entries) if text]


def _tags(item: Item) -> list[str]:
    """Subject names (1.x ``subject``, later ``subjects``), then keywords, first seen first.

    A keyword repeating a subject is dropped when the draft is finished and tidied.
    """
    return (
        _names(item.get("subject")) + _names(item.get("subjects")) + _keywords(item.get("keywords"))
    )


def _draft(item: Item, known_footers: Sequence[str]) -> ArticleDraft:
    headline = (
        _string(item.get("headline"))
        or _string(_named_text(_named_texts(item, "headline_"), first="main"))
        or _role_value(item.get("headlines"), "main")
    )
    summary = _string(_named_text(_named_texts(item, "description_"), first="text")) or _role_value(
        item.get("descriptions"), "summary", "text", "abstract"
    )
    byline = _string(item.get("byline")) or _string(item.get("by"))
    versioned = parse_datetime(_string(item.get("versioncreated")))
    located = item.get("located")
    draft = ArticleDraft(
        headline=headline,
        body_html="",
        bylines=[byline] if byline else [],
        dateline=_string(located) if isinstance(located, str) else "",
        published_at=parse_datetime(_string(item.get("firstcreated"))) or versioned,
        updated_at=versioned,
        tags=_tags(item),
        language=_string(item.get("language")).lower() or "en",
        source_id=_string(item["uri"]),
        summary=summary,
        status=_STATUSES.get(_string(item.get("pubstatus")), "published"),
        assets=[a for a in map(_asset, _associations(item)) if a is not None],
    )
    return finish_draft(draft, _body(item), known_footers=known_footers)


def parse_ninjs(
    data: bytes, *, known_footers: Sequence[str] = (), notes: FileNotes | None = None
) -> list[ArticleDraft]:
    """Parse a ninjs item (or a JSON array of items) into drafts; pictures ride as assets.

    Withheld and canceled items are not published: they are listed in
    ``notes`` as skipped. Raises ImportFormatError when the JSON is invalid,
    an item has no ``uri``, or there is no text item at all.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:  # JSON is UTF-8 (RFC 8259): no sniffing
        raise ImportFormatError(
            f"The ninjs file is not UTF-8 (invalid byte at position {error.start})."
        ) from None
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"The ninjs file is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None
    except RecursionError:  # nested past what json reads
        raise ImportFormatError(_TOO_DEEP) from None
    if not nests_within(document, _DEPTH):
        raise ImportFormatError(_TOO_DEEP)
    items = document if isinstance(document, list) else [document]
    drafts = []
    for position, item in enumerate(_lower_keys(items), start=1):
        if not isinstance(item, dict) or not _string(item.get("uri")):
            raise ImportFormatError(
                f"Item {position} is not a ninjs news item: every item needs a 'uri'."
            )
        if _string(item.get("type")) in _NOT_ARTICLES:
            continue
        status = _string(item.get("pubstatus")) or "usable"
        if status != "usable":
            if notes is not None:
                notes.skip(
                    f"item {position} {_string(item['uri'])}",
                    f"pubstatus {status!r}: not for publication",
                )
            continue
        drafts.append(_draft(item, known_footers))
    if not drafts and notes is not None and notes.skipped:
        return drafts
    if not drafts:
        raise ImportFormatError(
            "The ninjs file holds only pictures, other media or events, no text item to import."
        )
    return drafts
