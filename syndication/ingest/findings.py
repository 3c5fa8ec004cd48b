"""Spot what staff must know about an imported article: footers, promos, third-party material."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html import escape

from syndication.ingest.drafts import Finding

# --- normalisation --------------------------------------------------------------------------

_QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'}
# A text with any of them is rewritten a quote at a time: str.translate looks every
# character up in a dict, which costs some fifty times more than these few searches
# and replacements. No replacement is itself a quote, so the order does not matter.
_CURLY = re.compile("[‘’‚‛“”„]")


def straighten_quotes(text: str) -> str:
    """``text`` with typographic quotes made straight."""
    if _CURLY.search(text) is None:  # the usual text: one search
        return text
    for curly, straight in _QUOTES.items():
        if curly in text:
            text = text.replace(curly, straight)
    return text


_BLANK_LINE = re.compile(r"\n\s*\n")


def _normalise(text: str) -> str:
    """Collapse whitespace and straighten quotes, so pasted and imported copies compare equal."""
    return " ".join(straighten_quotes(text).split())  # as \s+ -> " ", and faster


# --- footers --------------------------------------------------------------------------------

# A footer is boilerplate, never a long paragraph: the cap keeps a real closing
# paragraph that happens to start with similar words in the body.
_MAX_FOOTER_CHARS = 600
# Footers are at most a few short paragraphs (a licence line plus a "first appeared" line).
_MAX_FOOTER_PARAGRAPHS = 3
# An organisation name: no sentence punctuation, so a footer pattern anchored at the
# end cannot stretch over a real sentence; dots only inside a domain ("Example.com").
_ORG = r"(?P<org>(?:[^.,;:!?\"]|\.(?=\S)){1,100}?)"
# An origin named after "on", "in" or "by" is a publication, not a date ("on 3 March 2020").
_NOT_A_DATE = (
    r"(?!\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)"
)
# What may close a notice: "Read the original article." (The Conversation's words).
_READ_ORIGINAL = r"(?:\.?\s*read the original(?: article| story| post)?(?: here)?)?"
# A republished piece's notice of where it first ran. Anchored at both ends: as a
# sentence opener inside a real paragraph ("Republished with permission from the
# family, the letter ...") they must not match.
_ORIGIN_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^(?:(?:a version of )?(?:this|the) (?:article|story|piece|post|column|report)"
        r" (?:was |is )?)?(?:originally|first) (?:appeared|published|posted|ran)"
        rf" (?:on|in|at|by) {_NOT_A_DATE}{_ORG}"
        rf"(?:,? and is (?:re)?published (?:here )?with permission)?{_READ_ORIGINAL}\.?$",
        rf"^(?:this (?:article|story) is )?republished (?:with permission )?"
        rf"(?:from|of|by|courtesy of) {_ORG}(?: under [^.]{{1,80}})?{_READ_ORIGINAL}\.?$",
        r"^republished with permission\.?$",
    )
)
_FOOTER_PATTERNS = (
    *(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            # The Daily Caller News Foundation style, the format's canonical example.
            rf"^content created by {_ORG} is available without charge\b",
            r"^for licensing (?:opportunities|inquiries|enquiries|information)\b.{0,200}?"
            r"\bcontact\b.{0,100}?[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        )
    ),
    *_ORIGIN_PATTERNS,
    # "Copyright 2022 The Associated Press. All rights reserved." (the year is required)
    re.compile(
        rf"^(?:copyright\s*)?(?:©|\(c\))?\s*\d{{4}}(?:\s*[-–]\s*\d{{4}})?,?\s+{_ORG}[.,]"
        r"\s+all rights reserved\b",
        re.IGNORECASE,
    ),
)


def _footer_organisation(text: str) -> str:
    for pattern in _FOOTER_PATTERNS:
        match = pattern.search(text)
        if match and match.groupdict().get("org"):
            return match["org"].strip()
    return ""


def origin_notice(text: str) -> Finding | None:
    """A footer finding naming where a republished piece first ran, if ``text`` says only that.

    "This post originally appeared on Grist.", "Republished with permission from
    Kaiser Health News.": the whole text, not a sentence inside a longer one.
    """
    normalised = _normalise(text)
    if len(normalised) > _MAX_FOOTER_CHARS:
        return None
    for pattern in _ORIGIN_PATTERNS:
        match = pattern.search(normalised)
        if match:
            organisation = match.groupdict().get("org") or ""
            return Finding(kind="footer", text=text.strip(), detail=organisation.strip())
    return None


def _is_generic_footer(paragraph: str) -> bool:
    text = _normalise(paragraph)
    return len(text) <= _MAX_FOOTER_CHARS and any(p.search(text) for p in _FOOTER_PATTERNS)


def split_footer(
    paragraphs: Sequence[str], known_footers: Sequence[str] = ()
) -> tuple[list[str], Finding | None]:
    """Return the paragraphs without a licensing footer at the end, and the footer as a Finding.

    A footer is recognised only at the very end: an exact match (after whitespace
    and quote normalisation, ignoring case) with one of ``known_footers``, or a
    generic syndication line such as "Content created by X is available without
    charge ...". Ordinary last paragraphs are kept.
    """
    if isinstance(known_footers, str):  # one footer passed bare, not a list of characters
        known_footers = [known_footers]
    body = [p for p in paragraphs if p.strip()]
    known = _known_footers(tuple(known_footers))
    removed: list[str] = []
    while body and len(removed) < _MAX_FOOTER_PARAGRAPHS:
        matched = _match_known_footer(body, known) or (1 if _is_generic_footer(body[-1]) else 0)
        if not matched:
            break
        removed[:0] = body[-matched:]
        del body[-matched:]
    if not removed:
        return body, None
    footer = "\n\n".join(removed)
    return body, Finding(
        kind="footer", text=footer, detail=_footer_organisation(_normalise(footer))
    )


@lru_cache(maxsize=16)
def _known_footers(known_footers: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """Each known footer normalised for comparison, with how many paragraphs it spans.

    Cached: every item of an import is checked against the same footers.
    """
    known = {_normalise(f).casefold(): f for f in known_footers if f.strip()}
    return tuple(
        (footer, len([p for p in _BLANK_LINE.split(original) if p.strip()]))
        for footer, original in known.items()
    )


def _match_known_footer(body: Sequence[str], known: Iterable[tuple[str, int]]) -> int:
    """Return how many trailing paragraphs equal a known footer (0 if none)."""
    for footer, count in known:
        # A configured footer may itself span paragraphs; compare that many.
        if 0 < count <= len(body) and _normalise(" ".join(body[-count:])).casefold() == footer:
            return count
    return 0


# --- inline promos --------------------------------------------------------------------------

# Upper or title case only: a lower-case "(see also: table 3)" is a real cross-reference.
_PROMO_LABELS = (
    "RELATED", "Related", "READ MORE", "Read [Mm]ore", "SEE ALSO", "See [Aa]lso", "ALSO READ",
    "Also [Rr]ead", "MORE", "WATCH", "READ",
)  # fmt: skip
_PROMO_LABEL = f"(?:{'|'.join(_PROMO_LABELS)})"
_PROMO = re.compile(
    # "(RELATED: headline)", allowing one level of parentheses inside the headline.
    rf"\({_PROMO_LABEL}\s*:[^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)"
    # or a whole line that is a promo: "RELATED: headline".
    rf"|^[ \t]*{_PROMO_LABEL}[ \t]*:[ \t]*\S[^\n]*",
    re.MULTILINE,
)


# Each label's first word, written out in every label: a text with none of them holds
# no promo. A few substring searches cost less than the pattern, tried at every line.
_PROMO_WORDS = tuple(dict.fromkeys(label.split()[0] for label in _PROMO_LABELS))


def find_promos(text: str) -> list[Finding]:
    """Return a Finding for each inline promo ("(RELATED: ...)", "READ MORE: ...") in text."""
    if not any(word in text for word in _PROMO_WORDS):
        return []
    return [Finding(kind="promo", text=m.group().strip()) for m in _PROMO.finditer(text)]


def mark_promos(text: str) -> str:
    """Return plain ``text`` HTML-escaped, each inline promo wrapped in <span class="promo">."""
    parts: list[str] = []
    end = 0
    for match in _PROMO.finditer(text):
        parts.append(escape(text[end : match.start()]))
        parts.append(f'<span class="promo">{escape(match.group())}</span>')
        end = match.end()
    parts.append(escape(text[end:]))
    return "".join(parts)


# The markup mark_promos writes; the sanitiser keeps no other class on spans and
# promo text is escaped, so a promo span never contains another span.
_PROMO_SPAN = re.compile(r'\s?<span class="promo">.*?</span>', re.DOTALL)


def strip_promo_markup(html: str) -> str:
    """Remove every marked inline promo (and the space before it) from body HTML."""
    return _PROMO_SPAN.sub("", html)


# --- cited outlets --------------------------------------------------------------------------

# Outlets matched as written (case-sensitively: "Axios", not "axios"). Names like
# "The Hill" keep their "The": a bare "Hill" or "Times" is too often something else.
_PLAIN_OUTLETS = (
    "Axios", "Reuters", "Politico", "Bloomberg", "CNN", "CNBC", "MSNBC", "NBC News",
    "ABC News", "CBS News", "NBC", "ABC", "CBS", "NPR", "PBS", "BBC", "Fox News",
    "Fox Business", "Newsweek", "Semafor", "Punchbowl News", "ProPublica", "Vox",
    "BuzzFeed News", "HuffPost", "Insider", "Business Insider", "USA Today", "Forbes",
    "Fortune", "Mediaite", "Breitbart", "Breitbart News", "National Review",
    "Washington Examiner", "New York Post", "Daily Mail", "Sky News", "Al Jazeera",
    "Financial Times", "AFP", "Agence France-Presse", "Xinhua", "TASS", "RIA Novosti",
    "Interfax", "Kyiv Independent", "Haaretz", "Times of Israel", "South China Morning Post",
    "BBC News", "Nikkei", "Yonhap", "Kyodo", "Der Spiegel", "Le Monde", "Bild", "TechCrunch",
    "Wired", "Drudge Report", "Christian Science Monitor", "Deseret News", "TIME",
    "The Times", "The Hill", "The Atlantic", "The Intercept", "The Economist", "The Verge",
)  # fmt: skip
# Outlets whose name starts with "The", which running text often drops or lower-cases
# ("according to the New York Times").
_THE_OUTLETS = (
    "The New York Times", "The Washington Post", "The Wall Street Journal", "The Guardian",
    "The Telegraph", "The Independent", "The Daily Beast", "The Daily Wire", "The Federalist",
    "The Washington Free Beacon", "The Daily Caller", "The Daily Signal",
    "The Los Angeles Times", "The Boston Globe",
)  # fmt: skip
# Spelling in the text -> the name staff see.
_OUTLETS: dict[str, str] = {
    **{name: name for name in _PLAIN_OUTLETS},
    **{name: name for name in _THE_OUTLETS},
    **{name.removeprefix("The "): name for name in _THE_OUTLETS},
    "AP": "Associated Press",
    "Associated Press": "Associated Press",
    "The Associated Press": "Associated Press",
    "NYT": "The New York Times",
    "WSJ": "The Wall Street Journal",
    "Free Beacon": "The Washington Free Beacon",
    "The Financial Times": "Financial Times",
}
_KNOWN = "|".join(re.escape(a) for a in sorted(_OUTLETS, key=len, reverse=True))
# An unknown outlet must end in a word that names a news outlet ("Kyiv Post"): this,
# not a stop-list of every country and official, is what keeps "Russia reported"
# and "Officials reported" out. The lookahead stops "White House Press Secretary".
_OUTLET_NOUN = (
    r"(?:News|Times|Post|Journal|Herald|Tribune|Gazette|Press|Radio|Television|TV|Magazine"
    r"|Telegraph|Chronicle|Examiner|Inquirer|Dispatch|Courier|Sentinel|Beacon|Observer"
    r"|Insider|Daily|Wire|Star|Globe|Register|Bulletin)"
)
_GENERIC = rf"(?:[A-Z][\w’'&.-]*\s+){{1,4}}{_OUTLET_NOUN}\b(?!\s+[A-Z])"
_NAME = rf"(?:(?:{_KNOWN})(?![\w-])|{_GENERIC})"
# "Axios reported": the outlet first. Tried at every capitalised word, which makes it
# the costly alternative: it is left out of texts without one of its verbs.
_NAME_FIRST = (
    rf"(?P<a>{_NAME})\s+(?:first\s+|previously\s+|also\s+|later\s+|exclusively\s+"
    rf"|has\s+|had\s+)?(?:reported|reports|revealed)\b"
)
_NAME_FIRST_VERBS = ("reported", "reports", "revealed")
# "according to Axios", "told Axios", "reported by Axios": a phrase, then the outlet.
_PHRASE_FIRST = (
    rf"\baccording\s+to\s+(?:(?:a|an|the)\s+(?:new\s+|recent\s+)?(?:report|story|article"
    rf"|analysis|investigation)\s+(?:by|from|in)\s+)?(?:the\s+)?(?P<b>{_NAME})"
    rf"|\b(?:told|interview\s+with|speaking\s+to|spoke\s+(?:to|with))\s+(?:the\s+)?(?P<c>{_NAME})"
    rf"|\b(?:first\s+)?(?:reported|obtained)\s+by\s+(?:the\s+)?(?P<d>{_NAME})"
)
# Every citation holds one of these words: a text without them cites nobody.
_CITATION_WORDS = (
    *_NAME_FIRST_VERBS, "according", "told", "interview", "speaking", "spoke", "obtained",
)  # fmt: skip
_CITATION = re.compile(
    # The lookahead only makes scanning fast: most positions fail on one character
    # instead of trying every outlet name.
    r"\b(?=[A-Z]|according\b|told\b|interview\b|speaking\b|spoke\b|first\b|reported\b"
    rf"|obtained\b)(?:{_NAME_FIRST}|{_PHRASE_FIRST})"
)
# The same without the outlet-first alternative: the same matches in a text where
# that alternative cannot match (none of its verbs), found several times faster.
_PHRASE_CITATION = re.compile(
    r"\b(?=according\b|told\b|interview\b|speaking\b|spoke\b|first\b|reported\b"
    rf"|obtained\b)(?:{_PHRASE_FIRST})"
)
# Sentence words a generic name can swallow at its start ("Yesterday The Kyiv Post").
_LEADING_STOP_WORDS = re.compile(
    r"^(?:(?:But|And|Or|So|Yesterday|Today|Earlier|Later|Meanwhile|On|In|Then|Also|As|When"
    r"|While|After|Before|However|Previously|Last|This|That|It|He|She|They|We|I)\s+)+"
)


def _outlet_name(raw: str) -> str:
    name = _LEADING_STOP_WORDS.sub("", raw)
    if name in _OUTLETS:
        return _OUTLETS[name]
    # What is left of a generic match must still be a name plus its outlet noun.
    return name if len(name.split()) >= 2 else ""


def find_cited_outlets(text: str) -> list[Finding]:
    """Return one Finding per outlet whose reporting the text cites ("Axios reported").

    The first phrase naming each outlet is the Finding's text; ``detail`` is the outlet.
    """
    if not any(word in text for word in _CITATION_WORDS):
        return []
    name_first = any(verb in text for verb in _NAME_FIRST_VERBS)
    found: dict[str, Finding] = {}
    for match in (_CITATION if name_first else _PHRASE_CITATION).finditer(text):
        groups = match.groupdict()
        raw = next(g for g in groups.values() if g)
        outlet = _outlet_name(raw)
        if not outlet or outlet in found:
            continue
        phrase = match.group()
        if groups.get("a"):  # the phrase starts with the name: drop the words it swallowed
            phrase = phrase[len(raw) - len(_LEADING_STOP_WORDS.sub("", raw)) :]
        found[outlet] = Finding(kind="cited_outlet", text=phrase, detail=outlet)
    return list(found.values())


# --- agencies: credits and bylines -----------------------------------------------------------

# (agency as staff see it, pattern, also a wire byline?). Acronyms are upper case
# and whole words so that "APP" or the name "Ani" do not match; full names are
# matched in any case. The leftmost match names the source, so the order here
# only matters for names that contain another ("dpa-AFX" before "AFX").
# International and national news agencies (in their own languages too), the
# broadcast wire services, the syndicates that sell columns and features, and
# the photo agencies whose credits mark a picture as not ours.
_AGENCIES: tuple[tuple[str, str, bool], ...] = (
    ("Associated Press", r"\bAssociated Press\b|\bAP\b|(?i:\bAP Television\b|\bAPTN\b)", True),
    ("Getty Images", r"\bGetty\b", False),
    ("Reuters", r"\bReuters\b|\bREUTERS\b", True),
    ("AFP", r"\bAFP\b|(?i:\bAgence France[- ]Presse\b)", True),
    ("EPA", r"\bEPA\b", False),
    ("EFE", r"\bEFE\b|(?i:\bAgencia EFE\b)", True),
    ("PTI", r"\bPTI\b|(?i:\bPress Trust of India\b)", True),
    ("ANI", r"\bANI\b|(?i:\bAsian News International\b)", True),
    ("IANS", r"\bIANS\b|(?i:\bIndo-Asian News Service\b)", True),
    ("UNI", r"(?i:\bUnited News of India\b)", True),
    ("Xinhua", r"\bXinhua\b|\bXINHUA\b|新华社|新華社", True),
    ("China News Service", r"(?i:\bChina News Service\b)|中新社|中國新聞社|中国新闻社", True),
    ("Central News Agency", r"(?i:\bCentral News Agency\b)|中央社", True),
    ("Kyodo", r"\bKyodo\b|\bKYODO\b|共同通信", True),
    ("Jiji", r"\bJiji\b|\bJIJI\b|時事通信", True),
    ("Yonhap", r"\bYonhap\b|\bYONHAP\b|연합뉴스", True),
    ("TASS", r"\bTASS\b|\bТАСС\b", True),
    ("RIA Novosti", r"(?i:\bRIA Novosti\b)|РИА Новости", True),
    ("Interfax", r"\bInterfax\b|\bINTERFAX\b|Интерфакс", True),
    ("Ukrinform", r"\bUkrinform\b|Укрінформ", True),
    ("UNIAN", r"\bUNIAN\b|УНІАН", True),
    ("Shutterstock", r"\bShutterstock\b|\bSHUTTERSTOCK\b", False),
    ("Bloomberg", r"\bBloomberg\b|\bBLOOMBERG\b", True),
    ("Dow Jones", r"(?i:\bDow Jones Newswires\b)", True),
    ("UPI", r"\bUPI\b|(?i:\bUnited Press International\b)", True),
    ("dpa", r"\bdpa\b|\bDPA\b|(?i:\bDeutsche Presse-Agentur\b)", True),
    ("AFX", r"\bAFX\b", True),
    ("epd", r"\bepd\b|(?i:\bEvangelischer Pressedienst\b)", True),
    ("KNA", r"\bKNA\b|(?i:\bKatholische Nachrichten-Agentur\b)", True),
    ("APA", r"\bAPA\b|(?i:\bAustria Presse Agentur\b)", True),
    ("Keystone-SDA", r"(?i:\bKeystone-SDA\b|\bKeystone-ATS\b)|\bSDA\b|\bATS\b", True),
    ("ANSA", r"\bANSA\b|\bAnsa\b", True),
    ("Adnkronos", r"(?i:\bAdnkronos\b)", True),
    ("Europa Press", r"(?i:\bEuropa Press\b)", True),
    ("Lusa", r"\bLusa\b|\bLUSA\b", True),
    ("Agência Brasil", r"(?i:\bAgência Brasil\b|\bAgencia Brasil\b)", True),
    ("Notimex", r"(?i:\bNotimex\b)", True),
    ("Télam", r"(?i:\bTélam\b|\bTelam\b)", True),
    ("Prensa Latina", r"(?i:\bPrensa Latina\b)", True),
    ("ANP", r"\bANP\b", True),
    ("Belga", r"\bBelga\b|\bBELGA\b", True),
    ("ČTK", r"\bČTK\b|\bCTK\b", True),
    ("PAP", r"\bPAP\b|(?i:\bPolska Agencja Prasowa\b)", True),
    ("MTI", r"\bMTI\b", True),
    ("Agerpres", r"(?i:\bAgerpres\b)", True),
    ("BTA", r"\bBTA\b", True),
    ("HINA", r"\bHINA\b|\bHina\b", True),
    ("Tanjug", r"(?i:\bTanjug\b)", True),
    ("ANA-MPA", r"\bANA-MPA\b|\bAPE-MPE\b", True),
    ("TT", r"(?i:\bTT Nyhetsbyrån\b)|(?<=/)TT\b|\bTT(?=/)", True),
    ("NTB", r"\bNTB\b", True),
    ("Ritzau", r"(?i:\bRitzau\b)", True),
    ("STT", r"\bSTT\b", True),
    ("Anadolu Agency", r"(?i:\bAnadolu\b)", True),
    ("IRNA", r"\bIRNA\b", True),
    ("WAFA", r"\bWAFA\b|\bWafa\b", True),
    ("MENA", r"(?i:\bMiddle East News Agency\b)", True),
    ("KUNA", r"\bKUNA\b", True),
    ("WAM", r"\bWAM\b", True),
    ("Bernama", r"(?i:\bBernama\b)", True),
    ("Antara", r"\bAntara\b|\bANTARA\b", True),
    ("Philippine News Agency", r"(?i:\bPhilippine News Agency\b)", True),
    ("Vietnam News Agency", r"(?i:\bVietnam News Agency\b)|\bVNA\b", True),
    ("AAP", r"\bAAP\b|(?i:\bAustralian Associated Press\b)", True),
    ("The Canadian Press", r"(?i:\bCanadian Press\b|(?<=La )Presse Canadienne\b)", True),
    ("PA Media", r"(?i:\bPA Media\b|\bPA Wire\b|\bPress Association\b)", True),
    ("CNN Newsource", r"(?i:\bCNN Newsource\b|\bCNN Wire\b)", True),
    ("NBC News Channel", r"(?i:\bNBC News Channel\b)", True),
    ("ABC NewsOne", r"(?i:\bABC NewsOne\b)", True),
    ("CBS Newspath", r"(?i:\bCBS Newspath\b)", True),
    ("Tribune Content Agency", r"(?i:\bTribune Content Agency\b|\bTribune News Service\b)", True),
    ("McClatchy", r"(?i:\bMcClatchy\b)", True),
    ("The New York Times Syndicate", r"(?i:\bNew York Times (?:News Service|Syndicate)\b)", True),
    (
        "Washington Post Writers Group",
        r"(?i:\bWashington Post (?:Writers Group|News Service)\b)",
        True,
    ),
    ("Creators Syndicate", r"(?i:\bCreators Syndicate\b)", True),
    ("King Features", r"(?i:\bKing Features\b)", True),
    ("Andrews McMeel Syndication", r"(?i:\bAndrews McMeel\b|\bUniversal Uclick\b)", True),
    ("KFF Health News", r"(?i:\bKFF Health News\b|\bKaiser Health News\b)", True),
    ("The Conversation", r"(?<=The )Conversation\b", True),
    ("Alamy", r"(?i:\bAlamy\b)", False),
    ("SIPA", r"\bSIPA\b|\bSipa\b", False),
    ("ABACA", r"\bABACA\b|\bAbaca(?:press)?\b", False),
    ("imago", r"(?i:\bimago\b)", False),
    ("picture alliance", r"(?i:\bpicture[- ]alliance\b)", False),
    ("ZUMA Press", r"(?i:\bZUMA\b)", False),
    ("NurPhoto", r"(?i:\bNurPhoto\b)", False),
    # Capitalised only: "Pool" in a credit is a pool photographer, "pool" is a pool.
    ("Pool", r"\bPool\b|\bPOOL\b", False),
)


def _first_words(pattern: str) -> set[str]:
    """The words a match of ``pattern`` can start with (case-folded): one per alternative.

    Lookbehinds hold context, not the match: their words are left out.
    """
    literal = re.sub(r"\(\?<[=!][^)]*\)", " ", pattern)
    literal = re.sub(r"\\[a-zA-Z]|\(\?[a-zA-Z<=!:]+|\[[^\]]*\]", " ", literal)
    words = set()
    for alternative in literal.split("|"):
        first = re.search(r"[^\W\d_]{2,}", alternative)
        if first:
            words.add(first.group().casefold())
    return words


# Each agency's own pattern, and an index from the words its matches start with: a
# text is searched only for the agencies whose words it holds, most texts for none.
_PATTERNS = tuple(re.compile(regex) for _, regex, _ in _AGENCIES)
_BY_WORD: dict[str, list[int]] = {}
for _index, (_, _regex, _) in enumerate(_AGENCIES):
    for _word in _first_words(_regex):
        _BY_WORD.setdefault(_word, []).append(_index)
# Scripts written without spaces ("新华社记者") hold an agency inside a longer "word".
_BY_SUBSTRING = {word: indices for word, indices in _BY_WORD.items() if not word.isascii()}
_WORD = re.compile(r"[^\W\d_]+")


def _first_agency(text: str, *, wire_only: bool) -> str | None:
    # The leftmost agency is the source: "Mandel Ngan/AFP via Getty Images" is AFP's.
    folded = text.casefold()
    candidates = {i for word in _WORD.findall(folded) for i in _BY_WORD.get(word, ())}
    if not folded.isascii():
        candidates.update(i for word, ids in _BY_SUBSTRING.items() if word in folded for i in ids)
    best: tuple[int, int] | None = None
    for index in candidates:
        if wire_only and not _AGENCIES[index][2]:
            continue
        match = _PATTERNS[index].search(text)
        if match is not None and (best is None or (match.start(), index) < best):
            best = (match.start(), index)
    return _AGENCIES[best[1]][0] if best is not None else None


def is_third_party_credit(credit: str) -> str | None:
    """Return the agency a credit line names ("AP Photo/Evan Vucci" -> "Associated Press"), or None.

    Meant for credit lines: in caption prose "EPA" or "Bloomberg" may be the
    subject of the photo rather than its source.
    """
    return _first_agency(credit, wire_only=False)


def find_third_party_credits(credits: Iterable[str]) -> list[Finding]:
    """Return a third_party_asset Finding for each credit or caption that names an agency."""
    findings = []
    for credit in credits:
        agency = is_third_party_credit(credit)
        if agency:
            findings.append(Finding(kind="third_party_asset", text=credit.strip(), detail=agency))
    return findings


def find_wire_bylines(bylines: Iterable[str]) -> list[Finding]:
    """Return a wire_byline Finding for each byline naming a wire service ("Reuters staff")."""
    findings = []
    for byline in bylines:
        agency = _first_agency(byline, wire_only=True)
        if agency:
            findings.append(Finding(kind="wire_byline", text=byline.strip(), detail=agency))
    return findings


def wire_agency(text: str) -> str | None:
    """The news agency, broadcast wire or syndicate a byline names, or None."""
    return _first_agency(text, wire_only=True)


# "BERLIN (dpa) —", "KYIV, Ukraine (AP) -", "(Reuters) -": a wire dateline opens the text.
_DATELINE = re.compile(
    r"^\s*(?:[^\W\d_][^\n()]{0,60}?)?\((?P<credit>[^()\n]{2,40})\)\s*(?:--|[-–—:])\s", re.UNICODE
)


def find_wire_dateline(first_paragraph: str) -> list[Finding]:
    """A wire_byline Finding when the text opens with an agency's dateline ("ROME (ANSA) -")."""
    match = _DATELINE.match(first_paragraph or "")
    if match is None:
        return []
    agency = wire_agency(match["credit"])
    if agency is None:
        return []
    return [Finding(kind="wire_byline", text=match.group().strip(), detail=agency)]
