"""Who wrote a page: bylines from the page's own data, trafilatura's guess and the visible line.

Pure. A credit line is only as good as the byline under it, so every place a
page names its author is read, in the order of how much it can be trusted:
the publisher's structured data (JSON-LD ``author``, ``<meta name=author>``
and its cousins, ``itemprop=author``, ``rel=author``, hCard), then the
visible byline next to the headline ("By …", "Von …", "作者：…"), then
trafilatura's guess. Each is cleaned the same way (:func:`clean_byline`): no
labels, dates, job titles, "Staff" suffixes, social handles or the site's own
name. The first source that names a person or an agency wins; the site's own
name is the author only when nothing else is found (a BBC News story by "BBC
News"). Every source found is kept, so staff can see why the byline is what
it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from syndication.ingest.drafts import Finding
from syndication.ingest.findings import wire_agency

# --- cleaning one byline ------------------------------------------------------------------

# What introduces a name: "By", "Von", "Par", "Por", "Door", "Av", "Di", "Przez", "Autor:".
_LABEL = re.compile(
    r"^(?:(?:written|words|reporting|story|text|texte|texto|photos?|report|reported)\s+by"
    r"|by|von|par|por|door|av|af|di|de|przez|napsal[a]?|autor(?:in)?|autore|auteur|author"
    r"|text|texte|texto|redacción|redaktion)\s*[:：]?\s+",
    re.IGNORECASE,
)
# Labels that CJK and Korean pages write before (or after) a name.
_CJK_LABEL = re.compile(
    r"^(?:作者|記者|记者|撰文|文|编辑|編輯|责任编辑|責任編輯|筆者|著者|글)\s*[:：／/=]\s*"
)
_CJK_SUFFIX = re.compile(r"\s*(?:记者|記者|기자|特派員|通讯员)\s*$")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
    "|januar|februar|märz|maerz|mai|juni|juli|oktober|dezember"
    "|janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre"
    "|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre"
    "|octubre|noviembre|diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro"
    "|novembro|dezembro|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre"
    "|dicembre|januari|februari|maart|mei|augustus"
)
_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs"
    "|fri|sat|sun|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr"
    "|sa|so|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles"
    "|jueves|viernes|sábado|domingo"
)
# Dates, times and "updated …" glued to a name: everything from there on goes.
_DATE_TAIL = re.compile(
    r"(?:\s|,|\||·|-|–|—)*(?:"
    rf"\b(?:{_WEEKDAYS})\b\.?,?\s+(?:\d|\b(?:{_MONTHS})\b)"
    rf"|\b(?:{_MONTHS})\b\.?\s+\d{{1,2}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?:{_MONTHS})\b"
    r"|\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}/\d{1,2}\b"
    r"|\b\d{1,2}:\d{2}\b"
    r"|\b\d+\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b"
    r"|\b(?:před|vor|il y a|hace|há|fa)\s+\d+\b"
    r"|\b(?:před|vor)\s+(?:hodinou|minutou|einer|einem)\b"
    r"|\b(?:updated|published|posted|last updated|aktualisiert|veröffentlicht|mis à jour"
    r"|publié|actualizado|publicado|atualizado|aggiornato|pubblicato|bijgewerkt)\b"
    r").*$",
    re.IGNORECASE | re.DOTALL,
)
_HANDLE = re.compile(r"(?<![\w.])@\w+|\S+@\S+\.\w+|\[email\s*protected\]|https?://\S+", re.I)
_SOCIAL_WORDS = frozenset(
    {"twitter", "facebook", "email", "e-mail", "instagram", "linkedin", "follow", "x", "bio"}
)
# Words that make a phrase a job title, not a name (several languages).
_JOB_WORDS = frozenset(
    {
        "reporter", "reporters", "correspondent", "correspondents", "editor", "editors",
        "writer", "writers", "columnist", "contributor", "contributors", "journalist",
        "journalists", "staff", "producer", "photographer", "analyst", "intern", "fellow",
        "critic", "technologist", "director", "chief", "senior", "deputy", "associate",
        "contributing", "special", "national", "political", "business", "sports", "science",
        "tech", "technology", "health", "bureau", "freelance", "freelancer", "researcher",
        "commentator", "anchor", "host", "presenter",
        "redakteur", "redakteurin", "korrespondent", "korrespondentin", "journalistin",
        "mitarbeiter", "journaliste", "rédacteur", "rédactrice", "envoyé", "envoyée",
        "correspondant", "correspondante", "periodista", "corresponsal", "redactor",
        "redactora", "enviado", "enviada", "jornalista", "repórter", "correspondente",
        "giornalista", "inviato", "corrispondente", "redattore",
    }
)  # fmt: skip
# Lower-case words that belong inside names ("Alejandro de la Garza", "Ludwig van Beethoven").
_PARTICLES = frozenset(
    {
        "de", "la", "le", "du", "des", "del", "della", "di", "da", "das", "do", "dos", "van",
        "von", "der", "den", "ter", "ten", "zu", "bin", "ibn", "al", "el", "y", "e", "st",
        "ap", "ó", "mac",
    }
)  # fmt: skip
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"})
# Values that are page furniture, not a person or an organisation.
_NOT_AUTHORS = frozenset(
    {
        "username", "no author", "admin", "administrator", "staff", "unknown", "anonymous",
        "guest", "editor", "editors", "redaktion", "rédaction", "redacción", "desk", "web desk",
        "news desk", "user", "author", "none", "null", "n/a", "by", "the editors", "staff writer",
        "staff reporter", "contributor", "guest author",
    }
)  # fmt: skip
# Verbs that open a "By …" sentence naming no one: "By signing up you agree to our terms",
# "By clicking Subscribe …", "By continuing to browse …".
_BY_VERBS = frozenset(
    {
        "signing", "clicking", "continuing", "using", "submitting", "subscribing",
        "registering", "entering", "creating", "providing", "accessing", "visiting",
        "browsing", "proceeding", "checking", "ticking", "tapping", "selecting", "choosing",
        "pressing", "downloading", "joining", "logging", "completing", "agreeing",
        "accepting", "sharing", "giving", "purchasing", "buying", "staying", "scrolling",
        "closing", "opting", "signing-up",
    }
)  # fmt: skip
# Small words that sit between names without making a sentence ("in Kyiv and …", "für").
_CONNECTORS = frozenset(
    {"and", "with", "in", "for", "of", "the", "at", "from", "on", "und", "für", "aus", "im",
     "et", "avec", "à", "en", "y", "e", "con", "para", "och", "og", "i", "a"}
)  # fmt: skip
_PEOPLE_SEPARATOR = re.compile(r"\s+(?:and|&|und|et|y|e|og|en|och|ja|i|és|a)\s+|\s*&\s*|\s*;\s*")
_AVEC = re.compile(r"\(\s*(?:avec|with|mit|con|com|met|med)\s+(?P<others>[^()]+)\)?", re.IGNORECASE)
_STRIP = " \t\n,;:|·-–—/•*()[]\"'“”‘’"


def _fold(text: str) -> str:
    """A name's comparison key: no case, accents, spaces, punctuation, "The" or ".com"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"^the\s+", "", text.strip())
    text = re.sub(r"\.(?:com|net|org|co\.uk|fr|de|es|it|cz|se|jp|cn|br|ca)\b", "", text)
    return re.sub(r"[\W_]+", "", text)


def site_names(*names: str, url: str = "") -> set[str]:
    """The comparison keys of a site's own names, and of its domain's name part."""
    keys = {_fold(n) for n in names if n and n.strip()}
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    if host:
        domain = _fold(host.split(".")[0])
        keys |= {domain, domain.removeprefix("the")}
    return {k for k in keys if len(k) >= 2}


def _is_site(name: str, sites: set[str]) -> bool:
    """True for the site's own name, or its short form ("The Local" of "The Local Sweden")."""
    key = _fold(name)
    return bool(key) and any(
        key == s or key == s + "news" or (len(key) >= 5 and s.startswith(key)) for s in sites
    )


def _is_job_word(token: str) -> bool:
    return token.strip(_STRIP).casefold() in _JOB_WORDS


def _looks_latin(text: str) -> bool:
    return any("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


def _title_case(name: str) -> str:
    """ "JEFFREY GETTLEMAN" -> "Jeffrey Gettleman"; acronyms and mixed case are left alone."""
    words = name.split()
    if len(words) < 2 or not name.isupper() or wire_agency(name):
        return name
    return " ".join(w.capitalize() if len(w) > 1 else w for w in words)


def _trim_name(part: str, sites: set[str]) -> str:
    """One person's part of a byline, without a job title or the site glued after the name."""
    if _is_site(part, sites):
        return part
    tokens = part.split()
    for index in range(1, len(tokens)):
        rest = " ".join(tokens[index:])
        token = tokens[index].strip(_STRIP)
        if _is_job_word(token) or token.casefold() in _SOCIAL_WORDS:
            return " ".join(tokens[:index])
        # "Benjamin Romano Seattle Times business reporter": the site starts a title.
        for end in range(len(tokens), index, -1):
            if _is_site(" ".join(tokens[index:end]), sites):
                return " ".join(tokens[:index])
        # In Latin script a lower-case word that is no particle ends the name.
        if (
            _looks_latin(rest)
            and token[:1].islower()
            and token.casefold() not in _PARTICLES
            and token.casefold() not in _SUFFIXES
        ):
            return " ".join(tokens[:index])
    return part


def _is_name(text: str) -> bool:
    if not text or len(text) > 80 or any(ch.isdigit() for ch in text):
        return False
    if not any(ch.isalpha() for ch in text):
        return False
    if text.casefold() in _NOT_AUTHORS:
        return False
    words = text.split()
    return not (_looks_latin(text) and (len(words) > 7 or not any(w[:1].isupper() for w in words)))


def _is_by_sentence(text: str) -> bool:
    """True for what follows "By" in a sentence rather than a byline.

    A verb phrase ("signing up you agree …", "Clicking Subscribe …") or a
    sentence: two or more lower-case words that are neither small connecting
    words nor a job title ("the time the votes were counted"). Only Latin
    script is judged; the name's own cleaning does the rest.
    """
    words = [w.strip(_STRIP) for w in text.split()]
    words = [w for w in words if w]
    if not words or not _looks_latin(text):
        return False
    first = words[0].casefold()
    if first in _BY_VERBS or (words[0][:1].islower() and first not in _PARTICLES | {"the"}):
        return True
    common = [
        w
        for w in words
        if w[:1].islower()
        and w.casefold() not in _CONNECTORS
        and w.casefold() not in _PARTICLES
        and not _is_job_word(w)
    ]
    return len(common) >= 2


def _is_staff_desk(text: str) -> bool:
    """ "Our Foreign Staff", "Staff Reporter": a desk, not a person."""
    words = [w.casefold() for w in text.split()]
    return bool(words) and (words[0] == "our" or all(w in _JOB_WORDS for w in words))


def clean_byline(raw: str, *, sites: Iterable[str] = ()) -> list[str]:
    """The names in one byline as a page writes it, cleaned for a credit line.

    Labels ("By", "Von", "作者："), dates and times, job titles, "Staff" suffixes,
    social handles and the site's own name glued to a person are removed;
    "and", "&", ";" and commas split people, except where a comma introduces
    a title ("Jane Doe, Senior Editor") or a suffix ("Jr."). An agency credit
    joined to the site by a slash ("AFP/The Local") stays one credit.
    ``sites`` are the keys from :func:`site_names`.
    """
    sites = set(sites)
    text = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _HANDLE.sub(" ", text)
    label = _LABEL.match(text.strip(_STRIP))
    text = _LABEL.sub("", text.strip(_STRIP))
    text = _CJK_LABEL.sub("", text)
    text = _DATE_TAIL.sub("", text)
    if label and _is_by_sentence(text):  # "By signing up you agree …": no one's name
        return []
    others = []
    avec = _AVEC.search(text)
    if avec:  # "Martin Untersinger (avec Damien Leloup et Morgane Tual)"
        others = [avec["others"]]
        text = text[: avec.start()] + text[avec.end() :]
    names: list[str] = []
    for chunk in [text, *others]:
        names += _split_people(chunk, sites)
    cleaned = []
    for name in names:
        name = _CJK_SUFFIX.sub("", _LABEL.sub("", name.strip(_STRIP))).strip(_STRIP)
        name = re.sub(r"\s+staff$", "", name, flags=re.IGNORECASE)  # "Reuters staff"
        name = _title_case(" ".join(name.split()))
        if _is_name(name) and not _is_staff_desk(name):
            cleaned.append(name)
    return list(dict.fromkeys(cleaned))


def _split_people(text: str, sites: set[str]) -> list[str]:
    if "/" in text:
        sides = [s.strip(_STRIP) for s in text.split("/")]
        # "AFP/The Local", "AP/Reuters": an agency's credit, kept whole.
        if all(s and (wire_agency(s) or _is_site(s, sites)) for s in sides) and any(
            wire_agency(s) for s in sides
        ):
            return ["/".join(sides)]
        text = ", ".join(sides)
    people: list[str] = []
    for index, segment in enumerate(re.split(r"\s*,\s*", text)):
        segment = segment.strip(_STRIP)
        leading = re.match(r"(?:and|&|et|und|y|e)\s+", segment)
        if leading and index:  # "…, and Tom Watkins"
            segment = segment[leading.end() :]
        if not segment:
            continue
        first = segment.split()[0]
        if first.casefold().rstrip(".") in {s.rstrip(".") for s in _SUFFIXES} and people:
            people[-1] += f", {segment}"  # "John Smith, Jr."
            continue
        if index and (_is_job_word(first) or (first[:1].islower() and _looks_latin(first))):
            break  # "Jane Doe, Senior Staff Technologist, ACLU …": a title, then affiliations
        # A job title ends the segment: "Ingo Arzt Redakteur für Wirtschaft und Umwelt".
        words = segment.split()
        title = next((i for i, w in enumerate(words) if i and _is_job_word(w)), None)
        if title is not None:
            segment = " ".join(words[:title])
        for person in _PEOPLE_SEPARATOR.split(segment):
            person = _trim_name(person.strip(_STRIP), sites)
            if person:
                people.append(person)
    return [p for p in people if not _is_site(p, sites) or len(people) == 1]


# --- where a page names its author ----------------------------------------------------------

_META_NAMES = (
    "author",
    "article:author",
    "og:article:author",
    "byl",
    "dc.creator",
    "dcterms.creator",
    "sailthru.author",
    "parsely-author",
    "cxenseparse:author",
    "article.author",
)
_BYLINE_CLASS = re.compile(
    r"byline|author|autor|auteur|writer|firma|signature|credit|source", re.IGNORECASE
)
# Classes that mark an author box or a picture, not the byline.
_NOT_BYLINE_CLASS = re.compile(
    r"avatar|image|img|photo|picture|bio|description|date|time|more|related|comment|share"
    r"|social|follow|list-of|most|popular|teaser|promo",
    re.IGNORECASE,
)
# How far after the headline a visible byline may be: the article's header, not a sidebar.
_HEADER_REACH = 400


@dataclass(frozen=True, slots=True)
class Candidate:
    """A byline as one source states it, and the names cleaning found in it."""

    source: str
    raw: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bylines:
    """The chosen names, where they came from, and every other candidate seen."""

    names: list[str]
    chosen: Candidate | None
    candidates: list[Candidate]

    def findings(self, limit: int = 5) -> list[Finding]:
        """A byline_source finding for the chosen source, then for those that disagree."""
        found = []
        if self.chosen is not None:
            found.append(
                Finding(
                    kind="byline_source",
                    text=self.chosen.raw[:500],
                    detail=f"used, from {self.chosen.source}: {'; '.join(self.names)}"[:200],
                )
            )
        seen = {tuple(n.casefold() for n in self.names)}
        for candidate in self.candidates:
            key = tuple(n.casefold() for n in candidate.names)
            if candidate is self.chosen or key in seen or len(found) >= limit:
                continue
            seen.add(key)
            what = "; ".join(candidate.names) or "no name"
            found.append(
                Finding(
                    kind="byline_source",
                    text=candidate.raw[:500],
                    detail=f"not used, from {candidate.source}: {what}"[:200],
                )
            )
        return found


def _text(element: HtmlElement) -> str:
    # Element boundaries are word boundaries: "Evan Halper<span>Staff Writer</span>".
    return " ".join(" ".join(element.itertext()).split())


def _json_ld_names(value: Any, ids: dict[str, dict]) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in _json_ld_names(item, ids)]
    if isinstance(value, dict):
        if "name" not in value and isinstance(value.get("@id"), str):
            value = ids.get(value["@id"], value)
        name = value.get("name")
        return _json_ld_names(name, ids) if name is not None else []
    return []


def _json_ld_candidates(
    articles: Sequence[dict], ids: dict[str, dict]
) -> Iterator[tuple[str, str]]:
    for article in articles:
        names = _json_ld_names(article.get("author") or article.get("creator"), ids)
        names = [n for n in names if n.strip() and not n.strip().startswith("http")]
        if names:
            yield "JSON-LD author", "; ".join(names)
            return


def _meta_candidates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    values: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().casefold()
        content = " ".join((meta.get("content") or "").split())
        if key in _META_NAMES and content and not content.startswith(("http://", "https://")):
            values.setdefault(key, []).append(content)
    for key in _META_NAMES:
        for content in values.get(key, []):
            yield f"meta {key}", content


def _itemprop_candidates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    for element in tree.xpath("//*[@itemprop]"):
        props = (element.get("itemprop") or "").split()
        if "author" not in props and "creator" not in props:
            continue
        named = element.xpath(".//*[@itemprop='name']")
        text = _text(named[0]) if named else (element.get("content") or _text(element))
        if text:
            yield "itemprop=author", text
            return


def _rel_author_candidates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    names = []
    for element in tree.xpath("//*[@rel]"):
        if "author" in (element.get("rel") or "").split():
            text = _text(element)
            if text and text not in names:
                names.append(text)
    if names:
        yield "rel=author", "; ".join(names[:6])


def _hcard_candidates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    for element in tree.xpath("//*[@class]"):
        classes = set((element.get("class") or "").split())
        if classes & {"h-card", "vcard"} and classes & {"p-author", "author"}:
            named = [
                e for e in element.iter() if set((e.get("class") or "").split()) & {"fn", "p-name"}
            ]
            text = _text(named[0]) if named else _text(element)
            if text:
                yield "hCard", text
                return


def _is_byline_element(element: HtmlElement) -> bool:
    marks = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(_BYLINE_CLASS.search(marks)) and not _NOT_BYLINE_CLASS.search(marks)


def _header_elements(tree: HtmlElement, headline: HtmlElement | None) -> list[HtmlElement]:
    """The elements that follow the headline, up to the reach of an article's header."""
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    if headline is None:
        return []
    try:
        start = elements.index(headline)
    except ValueError:
        return []
    return elements[start + 1 : start + 1 + _HEADER_REACH]


def _visible_candidates(
    tree: HtmlElement, headline: HtmlElement | None, sites: set[str]
) -> Iterator[tuple[str, str]]:
    """The byline element nearest after the headline, and a "By …" line there."""
    header = _header_elements(tree, headline)
    for element in header:
        if not _is_byline_element(element):
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''}".casefold()
        # The most specific element inside that still names someone.
        inner = [element] + [
            e for e in element.iter() if e is not element and _is_byline_element(e)
        ]
        texts = [(e, _text(e)) for e in inner]
        named = [(e, t) for e, t in texts if clean_byline(t, sites=sites)]
        if not named:
            continue
        text = named[-1][1] if len(named) > 1 else named[0][1]
        if "credit" in marks or "source" in marks:
            # A credit or source line names the author only when it is an agency or an
            # organisation, and only inside the headline's own header block.
            if headline is None or not _near(element, headline):
                continue
            if "credit" in marks and not wire_agency(text):
                continue
        yield "byline element", text
        break
    for element in header:
        for piece in (element.text, element.tail):
            line = " ".join((piece or "").split())
            # A "By …" line that names no one (a sign-up box's "By signing up you
            # agree …") is no byline: the search goes on to the next one.
            if (
                3 < len(line) <= 80
                and _LABEL.match(line)
                and line[:1].isupper()
                and clean_byline(line, sites=sites)
            ):
                yield "By line", line
                return


def _near(element: HtmlElement, headline: HtmlElement) -> bool:
    ancestors = {id(a) for a in list(headline.iterancestors())[:3]}
    return any(id(a) in ancestors for a in list(element.iterancestors())[:3])


def _cjk_label_candidates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    """ "作者：张三", "责任编辑：焦鹏": a labelled name anywhere in the page's text."""
    body = tree.find("body")
    for text in (body if body is not None else tree).itertext():
        line = " ".join(text.split())
        if line and len(line) <= 40 and _CJK_LABEL.match(line):
            yield "labelled name", line
            return


def extract_bylines(
    tree: HtmlElement,
    *,
    json_ld_articles: Sequence[dict] = (),
    json_ld_ids: dict[str, dict] | None = None,
    trafilatura_author: str = "",
    site_name: str = "",
    extra_site_names: Sequence[str] = (),
    url: str = "",
    headline: HtmlElement | None = None,
) -> Bylines:
    """The page's bylines, from the most trusted source that names a person or an agency.

    ``tree`` is the whole page (before extraction prunes it); ``headline`` the
    element holding the headline, after which the visible byline is sought.
    """
    sites = site_names(site_name, *extra_site_names, url=url)
    sources: list[Iterable[tuple[str, str]]] = [
        _json_ld_candidates(json_ld_articles, json_ld_ids or {}),
        _meta_candidates(tree),
        _itemprop_candidates(tree),
        _rel_author_candidates(tree),
        _hcard_candidates(tree),
        _visible_candidates(tree, headline, sites),
        _cjk_label_candidates(tree),
        [("trafilatura", trafilatura_author.replace(";", " ; "))] if trafilatura_author else [],
    ]
    candidates = []
    for source in sources:
        for name, raw in source:
            candidates.append(Candidate(name, raw, tuple(clean_byline(raw, sites=sites))))
    for candidate in candidates:
        if any(not _is_site(n, sites) for n in candidate.names):
            names = [n for n in candidate.names if not _is_site(n, sites) or wire_agency(n)]
            return Bylines(names, candidate, candidates)
    for candidate in candidates:  # the site's own name, when nothing else is found
        if candidate.names:
            return Bylines(list(candidate.names), candidate, candidates)
    return Bylines([], None, candidates)
