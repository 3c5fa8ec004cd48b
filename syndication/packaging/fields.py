"""One meaning per field: what each package fact is called in every format, and its value.

``FIELDS`` is the table: for each fact (the copyright notice, the credit line,
the usage terms, ...) what it means and the name it goes by in each format.
Every builder takes its names from here (``names(fmt)``) and its values from
:func:`facts`, computed once per package and terms format, so that the files
of one zip can never say two things: ninjs ``copyrightnotice`` and NewsML-G2
``copyrightNotice`` are the same fact with the same value. An empty name means
the format has no place for the fact.

The formats: ``ninjs-1.6``, ``ninjs-2.2`` and ``ninjs-3.1`` (the ninjs profiles
a partner chooses from), ``newsml`` (NewsML-G2 newsItem), ``jsonld``
(schema.org NewsArticle), ``html`` (the snippet and page), and the feeds
``rss``, ``atom`` and ``json_feed``. Names are the format's own: a property,
an element's local name, an attribute (``@guid``), an ``altids`` role, a class
of the HTML snippet, or a rendition or link relation, as the meaning says.
"""

from __future__ import annotations

from collections.abc import ItemsView, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple
from urllib.parse import urlsplit

from syndication.packaging.inputs import (
    REVISIONS_KEPT,
    ArticleRevision,
    Organisation,
    PackageInput,
)

NINJS_FORMATS = ("ninjs-1.6", "ninjs-2.2", "ninjs-3.1")
FORMATS = (*NINJS_FORMATS, "newsml", "jsonld", "html", "rss", "atom", "json_feed")


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of a package: what it means, and its name in each format ("" = no place)."""

    meaning: str
    names: Mapping[str, str]


def _fact(meaning: str, *names: str) -> Fact:
    assert len(names) == len(FORMATS), meaning
    return Fact(meaning, dict(zip(FORMATS, names, strict=True)))


# fmt: off
FIELDS: Mapping[str, Fact] = {
    #                  ninjs-1.6          ninjs-2.2          ninjs-3.1          newsml
    #                  jsonld             html               rss                atom     json_feed
    "identifier": _fact(
        "Our own URI for the article, the same in every revision (a tag: URI on the "
        "organisation's domain); never a web address",
        "uri", "uri", "uri", "@guid",
        "identifier", "", "guid", "id", "id"),
    "version": _fact(
        "The revision number of the article",
        "version", "version", "version", "@version",
        "version", "", "", "", ""),
    "revision_identifier": _fact(
        "Our own URI for this revision of the article (an altids role, an altId type)",
        "revision", "revision", "revision", "idtype:revision",
        "", "", "", "", ""),
    "canonical_link": _fact(
        "The original's web address: a rendition of the text item (ninjs), a link relation "
        "(NewsML-G2, HTML, Atom), the feed item's link",
        "canonical", "canonical", "canonical", "irel:canonical",
        "isBasedOn", "canonical", "link", "alternate", "url"),
    "headline": _fact(
        "The headline",
        "headline", "headlines", "headlines", "headline",
        "headline", "h1", "title", "title", "title"),
    "byline": _fact(
        "Who wrote it, the bylines joined by commas",
        "byline", "by", "by", "by",
        "author", "", "dc:creator", "author", "authors"),
    "published": _fact(
        "When the article first appeared (whole seconds, UTC)",
        "firstcreated", "firstcreated", "firstCreated", "firstCreated",
        "datePublished", "", "pubDate", "published", "date_published"),
    "updated": _fact(
        "When this revision was made (whole seconds, UTC)",
        "versioncreated", "versioncreated", "versionCreated", "versionCreated",
        "dateModified", "", "dcterms:modified", "updated", "date_modified"),
    "language": _fact(
        "The article's language (BCP 47)",
        "language", "language", "language", "language",
        "inLanguage", "lang", "dc:language", "xml:lang", "language"),
    "copyright_holder": _fact(
        "Whose work it is: the organisation, or the third party it is licensed from",
        "copyrightholder", "copyrightholder", "copyrightHolder", "copyrightHolder",
        "copyrightHolder", "", "", "", ""),
    "copyright_notice": _fact(
        'The copyright claim: "Copyright YEAR HOLDER"',
        "copyrightnotice", "copyrightnotice", "copyrightNotice", "copyrightNotice",
        "copyrightNotice", "", "", "", ""),
    "credit_line": _fact(
        "The line a republished copy must show with the article (ninjs has no field for it: "
        "it opens the usage terms)",
        "", "", "", "creditline",
        "creditText", "credit", "", "", ""),
    "usage_terms": _fact(
        "Every condition of the grant in one text: the credit line, the footer, the link "
        "back, the restrictions",
        "usageterms", "usageterms", "usageTerms", "usageTerms",
        "", "", "", "", ""),
    "editorial_note": _fact(
        "The latest correction or update note, for the receiving editor",
        "ednote", "ednote", "edNote", "edNote",
        "", "public-note", "", "", ""),
    "embargo": _fact(
        "Hold for release until this time (whole seconds, UTC)",
        "embargoed", "embargoed", "embargoedUntil", "embargoed",
        "", "", "", "", ""),
    "status": _fact(
        'The item\'s status: "usable", or "canceled" once withdrawn',
        "pubstatus", "pubstatus", "pubStatus", "pubStatus",
        "", "", "", "", ""),
    "licence": _fact(
        "The licence page's URI (the machine-readable terms are ODRL beside it)",
        "linkedrights", "linkedrights", "linkedRights", "irel:seeAlso",
        "license", "", "", "", ""),
}
# fmt: on


class Names(SimpleNamespace):
    """The names of one format as attributes: ``names("newsml").copyright_notice``.

    Plain attributes, not a lookup method: builders read them on every build.
    """

    def items(self) -> ItemsView[str, str]:
        """(fact, name) pairs."""
        return vars(self).items()


def names(fmt: str) -> Names:
    """Every fact's name in format ``fmt``."""
    return _NAMES[fmt]


_NAMES = {fmt: Names(**{key: fact.names[fmt] for key, fact in FIELDS.items()}) for fmt in FORMATS}


# --- values -----------------------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """RFC 3339 in whole seconds, in UTC with an explicit offset: what every consumer reads."""
    # The database's times are UTC already: then nothing is converted.
    if moment.tzinfo is not UTC and moment.utcoffset() != _ZERO:
        moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0)
    return moment.isoformat()


_ZERO = timedelta(0)


@lru_cache(maxsize=64)
def _host(organisation_url: str) -> str:
    return (urlsplit(organisation_url).hostname or "localhost").removeprefix("www.")


def article_uri(organisation_url: str, article_id: str, day: datetime) -> str:
    """The article's own tag: URI (RFC 4151), on the organisation's domain.

    The date is the day the article first appeared (or was stored, when that is
    unknown): the organisation held its domain then, and the date never
    changes, so neither does the URI.
    """
    date = day.astimezone(UTC).date().isoformat()
    return f"tag:{_host(organisation_url)},{date}:article:{article_id}"


def revision_uri(article: str, revision: int) -> str:
    """The URI of one revision of the article whose URI is ``article``."""
    return f"{article}:revision:{max(1, revision)}"


class Facts(NamedTuple):
    """The value of each fact of ``FIELDS`` for one package and terms format ("" = none).

    A named tuple: built for every package, and a frozen dataclass of this many
    fields costs several times more to make.
    """

    identifier: str
    version: str
    revision_identifier: str
    canonical_link: str
    headline: str
    byline: str
    published: str
    updated: str
    language: str
    copyright_holder: str
    copyright_notice: str
    credit_line: str
    usage_terms: str
    editorial_note: str
    embargo: str
    status: str
    licence: str


def facts(inp: PackageInput, terms_format: str) -> Facts:
    """The package's facts under the texts that terms format ``terms_format`` was given."""
    terms = inp.format_terms(terms_format)
    # Formats given the same texts (ninjs, NewsML-G2 and JSON-LD, as a rule) share one Facts.
    texts = (terms["credit_line"] or "", terms["footer"] or "", terms["originally_appeared"] or "")
    return inp.cached(("facts", *texts), lambda: _facts(inp, *texts))


def _facts(inp: PackageInput, credit: str, footer: str, originally_appeared: str) -> Facts:
    head, tail = inp.cached("facts", lambda: _base(inp))
    usage = [
        f"Credit line: {credit}{'' if credit.endswith(('.', '!', '?')) else '.'}" if credit else "",
        footer,
        originally_appeared,
        *inp.terms.get("restrictions", ()),
    ]
    terms = (credit, " ".join([text for text in map(str.strip, usage) if text]))
    return Facts._make(head + terms + tail)


def _base(inp: PackageInput) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The facts no terms text changes, in Facts' order before and after the two that do."""
    article = inp.article
    hold = inp.hold_until
    tail = (
        article.public_note_line,
        timestamp(hold) if hold else "",
        inp.status,
        inp.licence_uri,
    )
    return revision_facts(article, inp.organisation), tail


@lru_cache(maxsize=REVISIONS_KEPT)
def revision_facts(article: ArticleRevision, org: Organisation) -> tuple[str, ...]:
    """The facts of a revision and the organisation alone, in Facts' order: the same for every
    grant of the revision, so worked out once (a notice's ten thousand packages share them)."""
    holder = article.rights_holder or org.name
    identifier = article_uri(org.url, article.article_id, article.identity_date)
    return (
        identifier,
        str(max(1, article.revision)),
        revision_uri(identifier, article.revision),
        article.canonical_url,
        article.headline,
        ", ".join(article.bylines),
        timestamp(article.first_published),
        timestamp(article.updated_at),
        article.language or "en",
        holder,
        f"Copyright {article.first_published.year} {holder}",
    )
