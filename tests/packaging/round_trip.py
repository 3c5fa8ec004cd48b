"""Does a package's ninjs come back, through an independent reader, equal to the article?

The expected values are worked out here from the article and the grant's terms,
not by the app: the body's words (less the promos and the pictures the terms
strip), the byline, the dates to the second, the language, the rights, the
status and each picture with the file it points at.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import html as lxml_html

from syndication.packaging import PackageInput
from tests.packaging import ninjs_reader


def _words(text: str) -> str:
    return "".join(text.split())


def _shipped_assets(inp: PackageInput) -> list:
    return [a for a in inp.assets if a.syndicatable and a.data is not None]


def expected_body_text(inp: PackageInput) -> str:
    """The article's words as the ninjs terms let them through, whitespace ignored."""
    terms = inp.terms["formats"]["ninjs"]
    if not inp.article.body_html.strip():
        return ""
    root = lxml_html.fragment_fromstring(inp.article.body_html, create_parent="div")
    if terms["strip_promos"]:
        for promo in root.xpath('//span[@class="promo"]'):
            promo.drop_tree()
    if terms["strip_third_party_assets"]:
        ours = _shipped_assets(inp)
        sources = {a.source_url for a in ours if a.source_url}
        names = {a.filename for a in ours}
        for img in root.xpath("//img"):
            src = img.get("src") or ""
            if src in sources or posixpath.basename(src.split("?")[0]) in names:
                continue
            parent = img.getparent()
            (parent if parent is not None and parent.tag == "figure" else img).drop_tree()
    return _words(root.text_content())


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def problems(inp: PackageInput, files: Mapping[str, bytes]) -> list[str]:
    """Every field of the article that the package's ninjs loses or changes ([] when none)."""
    story = ninjs_reader.read(files["article.ninjs.json"])
    article, org = inp.article, inp.organisation
    holder = article.rights_holder or org.name
    terms = inp.terms["formats"]["ninjs"]
    found: list[str] = []

    def same(what: str, got: object, want: object) -> None:
        if got != want:
            found.append(f"{what}: {got!r} != {want!r}")

    same("profile", story.version_of_standard, inp.profile)
    same("headline", story.headline, article.headline)
    same("body text", _words(story.body_text), expected_body_text(inp))
    same("byline", story.byline, ", ".join(article.bylines))
    same("first created", story.first_created, _second(article.published_at or article.updated_at))
    same("version created", story.version_created, _second(article.updated_at))
    same("language", story.language, article.language)
    same("status", story.status, inp.status)
    same("copyright holder", story.copyright_holder, holder)
    year = (article.published_at or article.updated_at).year
    same("copyright notice", story.copyright_notice, f"Copyright {year} {holder}")
    for text in (terms["credit_line"], terms["footer"], *inp.terms.get("restrictions", ())):
        if text and text not in story.usage_terms:
            found.append(f"usage terms lack {text[:60]!r}")
    # The licence page the grant froze in its ODRL terms when it was issued (a package
    # without one names the page under the organisation's site).
    frozen = (inp.odrl or {}).get("uid")
    same(
        "linked rights",
        story.linked_rights,
        frozen or f"{org.url.rstrip('/')}/licences/{inp.grant.licence_id}",
    )
    same("editorial note", story.editorial_note, article.public_note_line)
    hold = inp.terms.get("hold_until")
    same("embargo", story.embargoed, _second(datetime.fromisoformat(hold)) if hold else None)
    # Our own identifier on our domain, never the web address, which is the web page.
    host = urlsplit(org.url).hostname or ""
    if not story.uri.startswith(f"tag:{host.removeprefix('www.')},"):
        found.append(f"uri {story.uri!r} is not a tag: URI of {host}")
    if article.canonical_url.startswith(("http://", "https://")):
        same("web page", story.web_page, article.canonical_url)
    same("version", story.version, str(max(1, article.revision)))
    wanted = []
    for asset in _shipped_assets(inp):
        paths = [p for p, data in files.items() if p.startswith("images/") and data == asset.data]
        absolute = asset.source_url.startswith(("http://", "https://"))
        hrefs = tuple(sorted(paths[:1] + ([asset.source_url] if absolute else [])))
        wanted.append(
            ninjs_reader.Picture(
                hrefs=hrefs,
                content_type=asset.mime_type,
                size=len(asset.data),
                caption=asset.caption,
                credit=asset.credit,
                rights_holder=asset.rights_holder or holder,
            )
        )
    same("pictures", list(story.pictures), sorted(wanted, key=lambda picture: picture.hrefs))
    return found
