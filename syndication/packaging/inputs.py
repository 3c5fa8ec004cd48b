"""Plain, frozen inputs of a package, and the article body prepared once per package.

A package is built from one article revision, the terms snapshot its grant
froze, the grant and organisation facts, the ODRL terms and the assets. Nothing
here reads a clock or the database: equal inputs give equal packages.

The body is prepared (promos stripped, third-party images removed, kept images
pointed at ``images/``) at most once per distinct pair of flags and reused by
every format; the prepared variants are memoised on the input itself.

What depends on the revision alone (each prepared body and its text, Markdown
and NewsML-G2 forms) can come in ready-made as :class:`RevisionForms`, made
once per revision by :func:`syndication.packaging.forms.revision_forms`: a
grant's package then only puts them together with the grant's terms and pixel.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, TypeVar

from lxml import etree

from syndication.packaging import markup
from syndication.rules.odrl import licence_uri

T = TypeVar("T")

# How many revisions the packagers keep what they work out once per revision for: a
# notice's packages are of one revision, and a streamed bundle must not grow with its
# articles (each is kept with its whole text).
REVISIONS_KEPT = 8

# Bodies are sanitised by ingest, so promos always serialise exactly like this.
# The fast path takes promos without a nested <span>; anything else goes to lxml.
_PROMO = re.compile(r'<span class="promo">(?:(?!<span\b)[^<]|<(?!/?span\b))*</span>')
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")
# Characters XML 1.0 cannot hold; a body or headline carrying one would make the
# NewsML-G2 unparsable, and they mean nothing in the other formats either.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same set the other way round: a text made only of the characters XML 1.0
# allows. One possessive run of ranges is two to three times faster than
# searching for the forbidden ones, which tries a match at every position.
_XML_TEXT = re.compile("[\t\n\r -\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*+")
# Of ASCII, XML 1.0 refuses only these control characters.
_ASCII_FORBIDDEN = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# Plain lxml elements: lxml.html's element classes cost a Python call per element touched.
_HTML_PARSER = etree.HTMLParser(remove_comments=True)


def parse_fragment(html: str) -> Any:
    """Parse body HTML into a <div> element holding it."""
    # Sanitised bodies hold no <div>, so wrapping in one cannot be closed early;
    # etree.fromstring is cheaper than lxml.html.fragment_fromstring's checks.
    document = etree.fromstring(f"<div>{html}</div>", _HTML_PARSER)
    return document.find("body/div")


def xml_clean(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry."""
    if text.isascii():  # known without a scan
        # Deleting the forbidden bytes is one table pass in C: three times faster than
        # isprintable() and twice the regex below, on a grant's usage terms.
        data = text.encode()
        if len(data.translate(None, _ASCII_FORBIDDEN)) == len(data):
            return text
    # All of them are unprintable: for short values this test is the cheaper
    # scan, and a line break (also unprintable) ends it early.
    elif text.isprintable() or _XML_TEXT.fullmatch(text):
        return text
    return XML_INVALID.sub("", text)


@dataclass(frozen=True, slots=True)
class ArticleRevision:
    """The facts of one article revision; ``updated_at`` is the revision's time."""

    article_id: str
    revision: int
    headline: str
    body_html: str
    updated_at: datetime
    canonical_url: str
    dek: str = ""
    bylines: tuple[str, ...] = ()
    dateline: str = ""
    section: str = ""
    tags: tuple[str, ...] = ()
    language: str = "en"
    published_at: datetime | None = None
    summary: str = ""
    word_count: int = 0
    # Whose work it is when it is not the organisation's own (third-party content
    # syndicated under a licence): the copyright fields name them, not the organisation.
    rights_holder: str = ""
    # The latest correction or update note sent to holders, and which of the two it is.
    public_note: str = ""
    public_note_kind: str = ""  # "correction" or "update"
    # When the article was first stored: the date in its own URI when it has no
    # publication time (packaging.fields.article_uri), so that the URI never changes.
    created_at: datetime | None = None
    # The hash, worked out on first use (-1: not yet; hash() never gives -1).
    _hash: int = field(default=-1, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        # Each per-revision cache a package looks in hashes the revision: a dozen times a
        # package, ten thousand packages for a correction. Its fields never change, so the
        # hash of the compared ones (dataclass's own) is worked out once.
        value = self._hash
        if value == -1:
            value = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
            object.__setattr__(self, "_hash", value)
        return value

    @property
    def public_note_line(self) -> str:
        """ "Correction: …" or "Update: …" ("" when there is no note)."""
        if not self.public_note:
            return ""
        label = "Correction" if self.public_note_kind == "correction" else "Update"
        return f"{label}: {self.public_note}"

    def __post_init__(self) -> None:
        # Naive times would make every timestamp in the package depend on the server.
        for name in ("updated_at", "published_at", "created_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must include a time zone")
        object.__setattr__(self, "bylines", tuple(self.bylines))
        object.__setattr__(self, "tags", tuple(self.tags))

    @property
    def identity_date(self) -> datetime:
        """The date in the article's URI: its publication time, else when it was stored."""
        return self.published_at or self.created_at or self.updated_at

    @property
    def first_published(self) -> datetime:
        """When the article first appeared (the revision time when unknown)."""
        return self.published_at or self.updated_at


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """Which grant, licence and partner a package is built for."""

    grant_id: str
    licence_id: str
    partner_name: str
    partner_id: str


@dataclass(frozen=True, slots=True)
class Organisation:
    """The licensor: name, home page and licensing address."""

    name: str
    url: str
    licensing_email: str


@dataclass(frozen=True, slots=True)
class AssetInput:
    """An image of the article; only ``syndicatable`` ones with ``data`` ship in images/.

    ``source_url`` is the image's address in the original body, used to match
    the body's <img> to this asset. ``sha256`` is that of ``data`` (computed from it
    when empty; a stored file's is its name), so manifests take it as the file's hash.
    """

    filename: str
    data: bytes | None
    mime_type: str
    caption: str = ""
    credit: str = ""
    rights_holder: str = ""
    syndicatable: bool = False
    sha256: str = ""
    source_url: str = ""
    alt: str = ""

    def __post_init__(self) -> None:
        if not self.sha256 and self.data is not None:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())


# A pair of body flags: (strip promos, strip third-party assets).
Flags = tuple[bool, bool]


@dataclass(frozen=True, slots=True)
class BodyForms:
    """One prepared body in every form a format writes it, made once per revision.

    ``text`` and ``markdown`` are the body blocks of article.txt and article.md,
    ``xhtml`` the NewsML-G2 ``<body>`` as serialised inside the item.
    """

    html: str
    text: str
    markdown: str
    xhtml: bytes


@dataclass(frozen=True, slots=True)
class RevisionForms:
    """The body forms of one revision under one state of its assets, per pair of flags.

    ``key`` (:func:`syndication.packaging.forms.forms_key`) says which body,
    assets and packager version they were made from: whoever stores them
    checks it before handing them in, since assets change apart from revisions.
    """

    key: str
    bodies: Mapping[Flags, BodyForms]


@dataclass(frozen=True, slots=True)
class PreparedBody:
    """The body for one pair of flags, as HTML text, read lazily into nodes or an lxml tree.

    ``stored`` holds its forms when they came made with the revision.
    """

    html: str
    stored: BodyForms | None = None
    _tree: list[Any] = field(default_factory=list, repr=False, compare=False)
    _nodes: list[Any] = field(default_factory=list, repr=False, compare=False)

    @property
    def tree(self) -> Any:
        """A <div> holding the body; shared by formats, so treat it as read-only."""
        if not self._tree:
            self._tree.append(parse_fragment(self.html))
        return self._tree[0]

    @property
    def simple(self) -> list[Any] | None:
        """The body's nodes when :func:`markup.parse` can read it without lxml, else None."""
        if not self._nodes:
            self._nodes.append(markup.parse(self.html))
        return self._nodes[0]

    @property
    def nodes(self) -> list[Any]:
        """The body as :mod:`~syndication.packaging.markup` nodes; shared, so read-only."""
        simple = self.simple
        if simple is not None:
            return simple
        if len(self._nodes) == 1:
            self._nodes.append(markup.from_tree(self.tree))
        return self._nodes[1]


@dataclass(frozen=True)
class PackageInput:
    """Everything one package is built from; plain data, no clock, no database."""

    article: ArticleRevision
    terms: Mapping[str, Any]
    grant: GrantFacts
    organisation: Organisation
    odrl: Mapping[str, Any]
    tracking_pixel_url: str | None = None
    assets: tuple[AssetInput, ...] = ()
    # "usable", or "canceled" once the grant is revoked or the article taken down: the
    # item's status in ninjs (pubstatus) and NewsML-G2 (pubStatus).
    status: str = "usable"
    # The ninjs version the partner's system reads ("1.6", "2.2" or "3.1"): the
    # profile of article.ninjs.json (packaging.ninjs.VERSIONS).
    profile: str = "2.2"
    # The revision's body forms, made once per revision (packaging.forms); None: made here.
    forms: RevisionForms | None = None
    # Per-package memo (prepared bodies, image names): built once, read by every format.
    _memo: dict[Any, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "assets", tuple(self.assets))

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()`` once per package: derived data several formats share."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def remember_terms_hash(self, sha256: str) -> None:
        """Take the sha256 of the terms that the grant stored when it froze them.

        The same hash :func:`syndication.packaging.manifest.terms_hash` works out
        (tested), so the manifest names it without serialising the terms again. It
        is kept in the per-package memo: a copy made with other terms
        (``dataclasses.replace``) works its own out.
        """
        self._memo["terms_sha256"] = sha256

    @property
    def licence_uri(self) -> str:
        """The licence URI every file names: the one the grant froze in its ODRL terms.

        A grant's URI never changes after it is issued, whatever later happens to the
        organisation's or the app's address; a package without a grant (a preview)
        names one under the organisation's site.
        """
        uid = self.odrl.get("uid") if self.odrl else None
        return str(uid) if uid else licence_uri(self.organisation.url, self.grant.licence_id)

    @property
    def hold_until(self) -> datetime | None:
        """The embargo the copy was granted under (hold for release), or None."""
        value = self.terms.get("hold_until")
        return datetime.fromisoformat(value) if value else None

    def hold_notice(self) -> str:
        """The visible hold-for-release line ("" when the copy is not embargoed)."""
        return self.terms["restrictions"][0] if self.terms.get("hold_until") else ""

    def format_terms(self, fmt: str) -> Mapping[str, Any]:
        """The snapshot's texts and flags for terms format ``fmt`` ("html", "text", ...)."""
        return self.terms["formats"][fmt]

    def images(self) -> tuple[tuple[str, AssetInput], ...]:
        """The assets that ship in images/, each with its safe, unique file name."""
        # Of these very assets (by identity), not of equal ones of another input:
        # preparing the body matches its pictures to the assets themselves.
        return _pictures(self.assets)[0]

    def image_refs(self) -> tuple[tuple[str, AssetInput, int], ...]:
        """The shipped images as the formats describe them: name, facts without the bytes,
        size. A light key for what is worked out once per revision (no image bytes kept)."""
        return _pictures(self.assets)[1]

    def body(self, fmt: str) -> PreparedBody:
        """The body as format ``fmt`` must show it, prepared once per distinct pair of flags."""
        terms = self.format_terms(fmt)
        key = (bool(terms["strip_promos"]), bool(terms["strip_third_party_assets"]))
        prepared = self._memo.get(key)
        if prepared is None:
            stored = self.forms.bodies.get(key) if self.forms is not None else None
            if stored is not None:
                prepared = PreparedBody(stored.html, stored)
            else:
                prepared = PreparedBody(
                    prepare_body(self.article.body_html, self.assets, self.images(), *key)
                )
            self._memo[key] = prepared
        return prepared


# An article's pictures, named and described, per tuple of assets (by identity) for the
# last few: every grant's input of a revision shares one tuple (package_sources reads
# them once), so ten thousand packages name them once, not once each.
_PICTURES_KEPT: dict[int, tuple[tuple[AssetInput, ...], Any]] = {}
_PICTURES_LOCK = threading.Lock()


def _pictures(
    assets: tuple[AssetInput, ...],
) -> tuple[tuple[tuple[str, AssetInput], ...], tuple[tuple[str, AssetInput, int], ...]]:
    """(:func:`image_names` of ``assets``, their refs), worked out once per tuple."""
    kept = _PICTURES_KEPT.get(id(assets))
    # The tuple is kept with its value, so its id cannot be another's while it is here.
    if kept is not None and kept[0] is assets:
        return kept[1]
    names = image_names(assets)
    refs = tuple((name, replace(asset, data=None), len(asset.data or b"")) for name, asset in names)
    with _PICTURES_LOCK:  # the worker's threads build packages side by side
        if len(_PICTURES_KEPT) >= REVISIONS_KEPT:
            del _PICTURES_KEPT[next(iter(_PICTURES_KEPT))]  # the oldest
        _PICTURES_KEPT[id(assets)] = (assets, (names, refs))
    return names, refs


def image_names(assets: tuple[AssetInput, ...]) -> tuple[tuple[str, AssetInput], ...]:
    """The assets that ship in images/ (syndicatable, with data), each with its zip name."""
    # A name from the database could hold "../" or clash with another; the zip
    # gets a plain, unique base name whatever it was.
    used: set[str] = set()
    out: list[tuple[str, AssetInput]] = []
    for asset in assets:
        if not asset.syndicatable or asset.data is None:
            continue
        base = _UNSAFE_NAME.sub("-", posixpath.basename(asset.filename.replace("\\", "/")))
        base = base.strip(".-") or f"image-{asset.sha256[:12]}"
        stem, dot, ext = base.rpartition(".")
        if not dot:
            stem, ext = base, ""
        name, n = base, 1
        while name.casefold() in used or name.casefold() == "credits.txt":
            n += 1
            name = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
        used.add(name.casefold())
        out.append((name, asset))
    return tuple(out)


def prepare_body(
    body_html: str,
    assets: tuple[AssetInput, ...],
    images: tuple[tuple[str, AssetInput], ...],
    strip_promos: bool,
    strip_third_party: bool,
) -> str:
    """The body as the flags want it, kept images pointed at their ``images/`` names."""
    html = xml_clean(body_html)
    if strip_promos and 'class="promo"' in html:
        html = _strip_simple_promos(html)
        if 'class="promo"' in html:  # a promo with nested spans: let lxml find its end
            html = _rewrite_tree(html, assets, images, strip_promos=True, strip_third_party=False)
        html = _EMPTY_PARAGRAPH.sub("", html)
    if "<img" in html:
        html = _rewrite_tree(
            html, assets, images, strip_promos=False, strip_third_party=strip_third_party
        )
    return html


def _strip_simple_promos(html: str) -> str:
    """Remove each promo the fast path takes, with the spaces and tabs just before it."""
    # Those spaces are trimmed off the text before a match rather than matched as
    # a leading [ \t]*: that would leave the regex no literal to scan for, and it
    # would try a match at every position of the body, ~20 ns a character.
    pieces: list[str] = []
    end = 0
    for match in _PROMO.finditer(html):
        pieces.append(html[end : match.start()].rstrip(" \t"))
        end = match.end()
    pieces.append(html[end:])
    return "".join(pieces)


def _drop(element: Any) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def _is_empty(element: Any) -> bool:
    return len(element) == 0 and not (element.text or "").strip()


def _rewrite_tree(
    html: str,
    assets: tuple[AssetInput, ...],
    images: tuple[tuple[str, AssetInput], ...],
    *,
    strip_promos: bool,
    strip_third_party: bool,
) -> str:
    root = parse_fragment(html)
    if strip_promos:
        for span in root.xpath('//span[@class="promo"]'):
            _drop(span)
    shipped = {id(asset): name for name, asset in images}
    by_source: dict[str, AssetInput] = {}
    for asset in assets:
        for ref in (asset.source_url, asset.filename):
            if ref:
                by_source.setdefault(ref, asset)
    for img in root.xpath("//img"):
        src = img.get("src") or ""
        asset = by_source.get(src) or by_source.get(posixpath.basename(src.split("?")[0]))
        if strip_third_party and (asset is None or not asset.syndicatable):
            # An image we cannot show we own is treated as third-party: it never ships.
            parent = img.getparent()
            target = parent if parent is not None and parent.tag == "figure" else img
            holder = target.getparent()
            _drop(target)
            if holder is not None and holder.tag == "p" and _is_empty(holder):
                # A paragraph that held only the picture would open the body empty.
                _drop(holder)
        elif asset is not None and id(asset) in shipped:
            img.set("src", f"images/{shipped[id(asset)]}")
    out = etree.tostring(root, encoding="unicode", method="html")
    return out[len("<div>") : -len("</div>")]
