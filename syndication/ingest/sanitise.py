"""Sanitise untrusted article HTML down to the markup an article body needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import nh3

# The elements an article body keeps: nothing else is left in sanitised markup.
ALLOWED_TAGS = frozenset(
    {
        "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a",
        "em", "strong", "b", "i", "u", "s", "sub", "sup", "br", "hr",
        "blockquote", "figure", "figcaption", "img",
        # tfoot too: stripping it would leave its rows as bare <tr> in the <table>.
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "code", "pre", "span",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    # Merged cells are meaning, not presentation: a table without them misleads.
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Only the classes later rules act on; anything else is the source site's styling.
_ALLOWED_CLASSES = {"span": {"promo"}}
# Elements whose *content* must go too: dropping only the tags would leave script
# source, CSS or an SVG payload behind as visible text.
_CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "iframe", "noscript", "template", "object", "embed",
        "svg", "math", "textarea", "select", "title", "xmp", "noembed", "noframes",
    }
)  # fmt: skip
_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_MAX_PASSES = 4


def _make_cleaner(url_relative: object) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in _ALLOWED_CLASSES.items()},
        strip_comments=True,
        link_rel="noopener",
        url_schemes=set(_URL_SCHEMES),
        url_relative=url_relative,
    )


# Built once: building a Cleaner costs about as much as cleaning a whole article.
_CLEANER = _make_cleaner(None)


@lru_cache(maxsize=64)
def _cleaner_for_base(base_url: str) -> nh3.Cleaner:
    # nh3 takes the base when a Cleaner is built, which costs about as much as one
    # clean: items sharing a base share one. _clean builds one only for a body with
    # relative URLs.
    return _make_cleaner(("rewrite_with_base", base_url))


# --- pre-pass: embeds and tracking pixels -------------------------------------------------

# Cheap test so that most bodies skip the pre-pass entirely.
_NEEDS_PREPASS = re.compile(r"<iframe|<img|twitter-tweet|instagram-media", re.IGNORECASE)
_EMBED_CLASSES = {
    "twitter-tweet": "View the post on X (Twitter)",
    "instagram-media": "View this post on Instagram",
}
_PIXEL_SIZES = frozenset({"0", "1", "0px", "1px"})
_PIXEL_HOSTS = (
    "doubleclick.net", "google-analytics.com", "googletagmanager.com", "facebook.com/tr",
    "scorecardresearch.com", "quantserve.com", "pixel.wp.com", "stats.wp.com",
    "bat.bing.com", "analytics.twitter.com", "t.co/i/adsct", "pixel.", "/pixel",
    "tracking.", "/track/", "beacon.",
)  # fmt: skip
# Any of them inside a URL: one scan of it, where testing each in turn costs a call apiece.
_PIXEL_HOST = re.compile("|".join(map(re.escape, _PIXEL_HOSTS)))


def _is_tracking_pixel(attrs: dict[str, str]) -> bool:
    sizes = {attrs.get("width", "").strip().lower(), attrs.get("height", "").strip().lower()}
    if sizes & _PIXEL_SIZES:
        return True
    return _PIXEL_HOST.search(attrs.get("src", "").lower()) is not None


def _video_link(src: str) -> tuple[str, str] | None:
    """Return (watch URL, label) for a YouTube or Vimeo player URL, else None."""
    parts = urlsplit(src if "//" in src else "https://" + src)
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in {"youtube.com", "youtube-nocookie.com", "m.youtube.com"}:
        if len(segments) >= 2 and segments[0] in {"embed", "v", "shorts"}:
            return f"https://www.youtube.com/watch?v={segments[1]}", "Watch on YouTube"
        video = parse_qs(parts.query).get("v")
        if video:
            return f"https://www.youtube.com/watch?v={video[0]}", "Watch on YouTube"
    if host == "youtu.be" and segments:
        return f"https://www.youtube.com/watch?v={segments[0]}", "Watch on YouTube"
    if host in {"player.vimeo.com", "vimeo.com"}:
        ids = [s for s in segments if s.isdigit()]
        if ids:
            return f"https://vimeo.com/{ids[0]}", "Watch on Vimeo"
    return None


def _link_paragraph(url: str, label: str) -> str:
    return f'<p><a href="{escape(url)}">{escape(label)}</a></p>'


class _EmbedRewriter(HTMLParser):
    """Stream the markup back out unchanged, except embeds and tracking pixels.

    A token-level rewrite (rather than parse-and-reserialise) leaves every other
    byte as it was, so nh3 alone decides the final structure. Safety does not
    depend on this pass: nh3 still cleans whatever it emits.
    """

    def __init__(self) -> None:
        # Texts arrive decoded and are written back escaped: re-emitting a reference
        # as "&name;" would add a semicolon to a bare "&" ("AT&T" became "AT&T;").
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._embed_label = ""  # non-empty while inside an embedded post
        self._embed_depth = 0
        self._embed_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if self._embed_label:
            if tag == "blockquote":
                self._embed_depth += 1
            elif tag == "a" and values.get("href"):
                self._embed_urls.append(values["href"])
            return
        if tag == "blockquote":
            classes = values.get("class", "").split()
            label = next((_EMBED_CLASSES[c] for c in classes if c in _EMBED_CLASSES), "")
            if label:
                self._embed_label, self._embed_depth = label, 1
                permalink = values.get("data-instgrm-permalink") or values.get("cite")
                self._embed_urls = [permalink] if permalink else []
                return
        if tag == "iframe":
            video = _video_link(values.get("src", ""))
            if video:
                self.out.append(_link_paragraph(*video))
            return  # nh3 drops iframes and their content anyway
        if tag == "img" and _is_tracking_pixel(values):
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._embed_label:
            if tag == "blockquote":
                self._embed_depth -= 1
                if self._embed_depth == 0:
                    self._finish_embed()
            return
        self.out.append(f"</{tag}>")

    def _finish_embed(self) -> None:
        # A tweet's last link is its permalink (earlier ones are t.co links in the text).
        if self._embed_urls:
            self.out.append(_link_paragraph(self._embed_urls[-1], self._embed_label))
        self._embed_label, self._embed_urls = "", []

    def close(self) -> None:
        super().close()
        if self._embed_label:  # unterminated embed: still keep the link
            self._finish_embed()

    def handle_data(self, data: str) -> None:
        if not self._embed_label:
            self.out.append(escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        if not self._embed_label:
            self.out.append(f"<!--{data}-->")

    # Declarations and processing instructions never survive nh3; drop them here.
    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass


def _rewrite_embeds(html: str) -> str:
    rewriter = _EmbedRewriter()
    rewriter.feed(html)
    rewriter.close()
    return "".join(rewriter.out)


def sanitise_html(html: str, *, base_url: str = "") -> str:
    """Return ``html`` reduced to safe article markup; relative URLs resolved against base_url.

    Embedded posts and videos become a paragraph linking to them; tracking
    pixels, scripts, styles, event handlers and unknown markup are removed.
    Raises ValueError if ``base_url`` is given but is not an absolute URL.
    """
    if _NEEDS_PREPASS.search(html):
        html = _rewrite_embeds(html)
    return _clean(html, base_url)


def sanitise_pieces(
    pieces: Iterable[str], *, base_url: str = "", pixels_removed: bool = False
) -> str:
    """Sanitise the pieces joined by newlines: ``sanitise_html("\n".join(pieces))``, cheaper.

    Each piece must be markup as lxml serialises an element (the importers' body
    blocks): complete and balanced. The embed and pixel pass is a pure-Python
    tokeniser, the slowest step of all: it then only needs to see the pieces that
    hold an image or embed, not the whole body (a tokeniser ends every complete
    piece in the state it started in, so the result is the same), and pieces whose
    only concern is images are handled without it. ``pixels_removed`` says the
    caller took the tracking pixels out of the tree the pieces were written from
    (:func:`remove_tracking_pixels`): then only embeds are looked for.
    """
    pieces = list(pieces)
    html = "\n".join(pieces)
    needles = _EMBEDS if pixels_removed else _IMAGES_OR_EMBEDS
    if any(needle in html for needle in needles):  # else no piece has any
        html = "\n".join(_rewrite_serialised(piece, needles) for piece in pieces)
    return _clean(html, base_url)


def remove_tracking_pixels(root: Any) -> None:
    """Remove the tracking pixels from an lxml tree, as the embed and pixel pass would.

    Each image's attributes are read from the tree, which costs less than finding
    them again in serialised markup; the text after a removed image stays.
    """
    for image in list(root.iter("img")):
        if _is_tracking_pixel({name.lower(): value for name, value in image.attrib.items()}):
            parent, tail = image.getparent(), image.tail
            if parent is None:
                continue
            if tail:
                previous = image.getprevious()
                if previous is None:
                    parent.text = (parent.text or "") + tail
                else:
                    previous.tail = (previous.tail or "") + tail
            parent.remove(image)


# Markup as lxml writes it from a sound tree: lower-case tag names, attribute values
# quoted, every "<" outside a tag escaped. In markup that is all of this shape, each
# "<img" starts an image tag, which can then be read without a tokeniser.
_TAG_ATTRIBUTES = r"""(?:\s++[^\s"'=<>/]++(?:="[^"<]*+"|='[^'<]*+')?+)*+"""
_REGULAR_MARKUP = re.compile(rf"(?:[^<]++|</?[a-z][a-z0-9]*+{_TAG_ATTRIBUTES}\s*+/?>)*+")
_SERIALISED_IMG = re.compile(rf"<img({_TAG_ATTRIBUTES})\s*+/?>")
_SERIALISED_ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)(?:="([^"]*)"|='([^']*)')?""")
# Embeds need the tokeniser, and so does raw text, where "<img" is not a tag. lxml
# writes tag names in lower case, so plain substring tests do (a case-blind regex
# over every body costs more than the rest of the pass).
_IMAGES_OR_EMBEDS = ("<img", "<iframe", "twitter-tweet", "instagram-media")
_EMBEDS = _IMAGES_OR_EMBEDS[1:]
_NEEDS_TOKENISER = ("<iframe", "twitter-tweet", "instagram-media", "<script", "<style")


def _rewrite_serialised(piece: str, needles: tuple[str, ...] = _IMAGES_OR_EMBEDS) -> str:
    """``_rewrite_embeds(piece)`` for one lxml-serialised piece, as cheaply as it can be."""
    if not any(needle in piece for needle in needles):
        # The tokeniser reads a script's or style's content as text, where nh3 reads
        # markup inside <svg> or <math> (an <em> there breaks out of the SVG): such a piece
        # goes through it as it would in the whole body, or its output differs.
        if "<script" in piece or "<style" in piece:
            return _rewrite_embeds(piece)
        return piece
    if any(needle in piece for needle in _NEEDS_TOKENISER) or not _REGULAR_MARKUP.fullmatch(piece):
        # Comments, processing instructions, odd tag names kept from broken markup.
        return _rewrite_embeds(piece)
    # Only images: drop the tracking pixels, as the tokeniser would, and keep the rest.
    kept: list[str] = []
    end = 0
    for image in _SERIALISED_IMG.finditer(piece):
        attributes = {
            name.lower(): unescape(double if double is not None else single or "")
            for name, double, single in (
                (m[1], m[2], m[3]) for m in _SERIALISED_ATTRIBUTE.finditer(image[1])
            )
        }
        if _is_tracking_pixel(attributes):
            kept.append(piece[end : image.start()])
            end = image.end()
    if not kept:
        return piece
    kept.append(piece[end:])
    return "".join(kept)


# A URL attribute in nh3's output (always double-quoted) that is relative: no scheme.
# One pattern per name: each starts with a literal, which the regex engine scans for
# fast, where "\b(?:href|src)" is tried at every position (ten times the cost).
_RELATIVE_HREF = re.compile(r"""href="(?![a-zA-Z][a-zA-Z0-9+.-]*:)""")
_RELATIVE_SRC = re.compile(r"""src="(?![a-zA-Z][a-zA-Z0-9+.-]*:)""")
# Start tags of any name, to tell whether nh3 will unwrap an element (below).
_START_TAG = re.compile(r"<([a-zA-Z][^\s/>]*)")
_KEPT_OR_DROPPED_WHOLE = frozenset(ALLOWED_TAGS | _CLEAN_CONTENT_TAGS)
# Elements whose removal leaves a tree the parser builds the same way, but for a
# heading inside a heading (checked apart). The parser never lets a <div> or any of
# these stand between a <p>, <li> or <a> and another of its kind (a new one closes
# the old one through them), nor between table parts. Not so <section>, <dd> and
# other "special" elements: "<li><section><li>" nests, and without the section it
# would not.
_UNWRAPPED_SAFELY = frozenset(
    {
        "div", "abbr", "acronym", "big", "cite", "data", "del", "dfn", "font", "ins",
        "kbd", "label", "mark", "q", "samp", "small", "strike", "time", "tt", "var",
        "bdi", "bdo", "wbr", "audio", "video", "picture", "source", "track",
    }
)  # fmt: skip
_NESTED_HEADING = re.compile(r"<h([1-6])>(?:(?!</h\1>).)*?<h[1-6]>", re.DOTALL)


def has_relative_url(html: str) -> bool:
    """True when sanitised ``html`` may hold a relative link or image (never a false no)."""
    return bool(_RELATIVE_HREF.search(html) or _RELATIVE_SRC.search(html))


def _check_base(base_url: str) -> None:
    if base_url.startswith(("https://", "http://")) and len(base_url) > 8:
        return
    parts = urlsplit(base_url)
    if not (parts.scheme and parts.netloc):
        raise ValueError(f"{base_url!r} is not an absolute URL")


def _may_change_when_reparsed(html: str, cleaned: str) -> bool:
    """False when nh3's output ``cleaned`` of ``html`` is sure to sanitise to itself.

    nh3 parses the markup as a browser would, removes what is not allowed and
    writes the tree out. A tree the parser built reads back as the same tree;
    what can read back differently is one where an element was *unwrapped*
    (its tag removed, its children moved up: "<li><section><li>" leaves
    "<li><li>", which the parser splits), a table the parser moved misplaced
    content out of ("<li><table><li>" nests the second item in the first), and
    a <pre> whose text starts with a line break (the parser drops the first
    one). So one pass is the answer when there is no table, no such <pre>, and
    nothing was unwrapped but elements known to leave a tree the parser builds
    alike; otherwise clean until stable. The sanitiser's property tests hold
    both paths to stability.
    """
    if "<pre>\n" in cleaned or "<table>" in cleaned:
        return True
    unknown = set(map(str.lower, _START_TAG.findall(html))) - _KEPT_OR_DROPPED_WHOLE
    if not unknown:
        return False
    # A name with a colon names no HTML element ("media:credit" in feed bodies, Word's
    # "o:p"): the parser builds it as an ordinary element, like those unwrapped safely.
    if all(name in _UNWRAPPED_SAFELY or ":" in name for name in unknown):
        return "<h" in cleaned and _NESTED_HEADING.search(cleaned) is not None
    return True


def _clean(html: str, base_url: str) -> str:
    cleaner = _CLEANER
    if base_url:
        _check_base(base_url)
        # nh3 takes a base only when a Cleaner is built, which costs as much as a clean,
        # and most items have a base of their own: it is built only when there is a
        # relative URL to resolve (without one, both give the same output). One in the
        # markup: clean once, with the base. Else one may still appear in nh3's output.
        if has_relative_url(html):
            cleaner = _cleaner_for_base(base_url)
            cleaned = cleaner.clean(html)
        else:
            cleaned = cleaner.clean(html)
            if has_relative_url(cleaned):
                cleaner = _cleaner_for_base(base_url)
                cleaned = cleaner.clean(html)
    else:
        cleaned = cleaner.clean(html)
    if not _may_change_when_reparsed(html, cleaned):
        return cleaned
    # Dropping a disallowed wrapper can leave markup that parses into a different
    # tree next time ("<li><form><li>" -> "<li><li></li></li>"), so clean until the
    # output is stable: importers and rules must be able to re-sanitise safely.
    for _ in range(_MAX_PASSES):
        again = cleaner.clean(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return cleaned
