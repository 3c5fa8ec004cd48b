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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from syndication.packaging.inputs import PackageInput
from syndication.rules.odrl import licence_uri

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


class Names(dict[str, str]):
    """The names of one format, read as attributes: ``names("newsml").copyright_notice``."""

    def __getattr__(self, fact: str) -> str:
        try:
            return self[fact]
        except KeyError:
            raise AttributeError(fact) from None


def names(fmt: str) -> Names:
    """Every fact's name in format ``fmt``."""
    return _NAMES[fmt]


_NAMES = {fmt: Names({key: fact.names[fmt] for key, fact in FIELDS.items()}) for fmt in FORMATS}


# --- values -----------------------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """RFC 3339 in whole seconds, in UTC with an explicit offset: what every consumer reads."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def article_uri(organisation_url: str, article_id: str, day: datetime) -> str:
    """The article's own tag: URI (RFC 4151), on the organisation's domain.

    The date is the day the article first appeared (or was stored, when that is
    unknown): the organisation held its domain then, and the date never
    changes, so neither does the URI.
    """
    host = (urlsplit(organisation_url).hostname or "localhost").removeprefix("www.")
    return f"tag:{host},{day.astimezone(UTC).date().isoformat()}:article:{article_id}"


def revision_uri(article: str, revision: int) -> str:
    """The URI of one revision of the article whose URI is ``article``."""
    return f"{article}:revision:{max(1, revision)}"


@dataclass(frozen=True, slots=True)
class Facts:
    """The value of each fact of ``FIELDS`` for one package and terms format ("" = none)."""

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
    return inp.cached(f"facts:{terms_format}", lambda: _facts(inp, terms_format))


def _facts(inp: PackageInput, terms_format: str) -> Facts:
    article, org = inp.article, inp.organisation
    terms = inp.format_terms(terms_format)
    holder = article.rights_holder or org.name
    identifier = article_uri(org.url, article.article_id, article.identity_date)
    credit = terms["credit_line"] or ""
    usage = [
        f"Credit line: {credit}{'' if credit.endswith(('.', '!', '?')) else '.'}" if credit else "",
        terms["footer"] or "",
        terms["originally_appeared"] or "",
        *inp.terms.get("restrictions", ()),
    ]
    return Facts(
        identifier=identifier,
        version=str(max(1, article.revision)),
        revision_identifier=revision_uri(identifier, article.revision),
        canonical_link=article.canonical_url,
        headline=article.headline,
        byline=", ".join(article.bylines),
        published=timestamp(article.first_published),
        updated=timestamp(article.updated_at),
        language=article.language or "en",
        copyright_holder=holder,
        copyright_notice=f"Copyright {article.first_published.year} {holder}",
        credit_line=credit,
        usage_terms=" ".join(text.strip() for text in usage if text and text.strip()),
        editorial_note=article.public_note_line,
        embargo=timestamp(inp.hold_until) if inp.hold_until else "",
        status=inp.status,
        licence=licence_uri(org.url, inp.grant.licence_id),
    )
