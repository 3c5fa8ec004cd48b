"""One meaning per field: the table of names, and a zip whose files never say two things."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

from syndication.packaging import fields, ninjs
from syndication.packaging.bundle import package_files
from tests.packaging import CANONICAL, STANDARDS, make_input, seed_article, snapshot

ROOT = Path(__file__).resolve().parents[2]
NAR = "http://iptc.org/std/nar/2006-10-01/"
# The files that build a format: the only modules that may spell a format's field names.
BUILDERS = {
    "syndication/packaging/fields.py",
    "syndication/packaging/ninjs.py",
    "syndication/packaging/newsml.py",
    "syndication/packaging/jsonld.py",
    "syndication/packaging/html.py",
    "syndication/packaging/feeds.py",
}
# Importers read other people's files in these formats: they are readers, not builders.
READERS = ("syndication/ingest/",)
# Names too plain to say which format they belong to ("id", "title", "language", ...).
PLAIN = {"id", "uri", "guid", "version", "title", "language", "lang", "link", "url", "by"}
PLAIN |= {"headline", "author", "authors", "identifier", "updated", "published", "h1"}
PLAIN |= {"credit", "canonical", "revision", "alternate", "license"}
# Words our own code uses in their English sense: a rule template's variable, a catalogue filter.
PLAIN |= {"byline", "embargoed"}


def held_for_release(version: str = "2.2"):
    """The seed package, embargoed and corrected: every fact of the table has a value."""
    article = seed_article(public_note="The talks were in Antalya.", public_note_kind="correction")
    terms = snapshot(article)
    terms["hold_until"] = "2022-03-11T06:00:00.250000+01:00"
    terms["restrictions"] = ["HOLD FOR RELEASE: embargoed.", *terms["restrictions"]]
    return make_input(article, terms=terms, profile=version)


# --- the table -----------------------------------------------------------------------------


def test_every_fact_has_a_meaning_and_a_name_in_every_ninjs_version_and_in_newsml() -> None:
    for key, fact in fields.FIELDS.items():
        assert fact.meaning and set(fact.names) == set(fields.FORMATS), key
        if key != "credit_line":  # ninjs has no field for it: it opens the usage terms
            assert all(fact.names[f] for f in (*fields.NINJS_FORMATS, "newsml")), key
    assert set(fields.Facts._fields) == set(fields.FIELDS)


@pytest.mark.parametrize("version", ninjs.VERSIONS)
def test_the_ninjs_names_are_properties_of_that_versions_official_schema(version: str) -> None:
    schema = json.loads((STANDARDS / "ninjs" / f"ninjs-schema_{version}.json").read_text())
    # 1.6 describes the item at the top; 2.x and 3.x in $defs.
    item = schema["$defs"]["ninjsType"]["properties"] if "$defs" in schema else schema["properties"]
    nested = {
        name
        for prop in item.values()
        if isinstance(prop, dict)
        for name in prop.get("properties", {})
    }
    names = fields.names(f"ninjs-{version}")
    roles = {"revision_identifier", "canonical_link"}  # an altids role, a rendition's name
    for key, name in names.items():
        if name and key not in roles:
            assert name in item or name in nested, (version, key, name)


def test_the_newsml_names_are_declared_by_the_newsml_g2_xsd() -> None:
    xsd = (STANDARDS / "newsml-g2" / "NewsML-G2_2.35-spec-All-Power.xsd").read_text()
    for key, name in fields.names("newsml").items():
        if name.startswith("@"):
            assert f'name="{name[1:]}"' in xsd, key
        elif ":" not in name:  # qcodes (irel:…, idtype:…) are values, not elements
            assert f'name="{name}"' in xsd, key


# --- one zip, one meaning ------------------------------------------------------------------


def _ninjs_value(doc: dict[str, Any], name: str) -> Any:
    if isinstance(doc.get("renditions"), dict) and name in doc["renditions"]:
        return doc["renditions"][name]["href"]  # 1.x: renditions keyed by name
    if name in doc:
        value = doc[name]
        if isinstance(value, list):  # ninjs 2.x/3.x headlines: the main one
            return next(v["value"] for v in value if v.get("role") == "main")
        return value
    for value in doc.values():
        if isinstance(value, dict) and name in value:
            return value[name]  # rightsinfo, or 1.x's altids and renditions
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and name in (entry.get("role"), entry.get("name")):
                    return entry.get("value") or entry.get("href")
    return None


def _newsml_value(root: Any, name: str) -> Any:
    if name.startswith("@"):
        return root.get(name[1:])
    if ":" in name:  # a link relation or an alternative id type
        for element in root.iter(f"{{{NAR}}}link", f"{{{NAR}}}altId"):
            if name in (element.get("rel"), element.get("type")):
                return element.get("href") or element.text
        return None
    element = root.find(f".//{{{NAR}}}{name}")
    if element is None:
        return None
    if element.get("tag"):
        return element.get("tag")
    if element.get("qcode"):
        return element.get("qcode").removeprefix("stat:")
    named = element.find(f"{{{NAR}}}name")
    return named.text if named is not None else element.text


def _html_value(snippet: Any, page: Any, name: str) -> Any:
    if name == "lang":
        return snippet.get("lang")
    found = snippet.xpath(f"//{name} | //*[contains(concat(' ', @class, ' '), ' {name} ')]")
    if found:
        return " ".join(found[0].text_content().split())
    links = page.xpath(f"//link[@rel='{name}']")
    return links[0].get("href") if links else None


def _same(key: str, value: Any) -> Any:
    """A value as comparable across formats: names of people, instants, plain text."""
    if isinstance(value, list):
        return ", ".join(v["name"] for v in value)
    if isinstance(value, dict):
        return value.get("name")
    if key in {"published", "updated", "embargo"} and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize("version", ninjs.VERSIONS)
def test_a_zip_never_says_two_things(version: str) -> None:
    inp = held_for_release(version)
    files = package_files(inp)
    doc = json.loads(files["article.ninjs.json"])
    root = etree.fromstring(files["article.newsml.xml"])
    jsonld = json.loads(files["article.jsonld"])
    snippet = lxml_html.fromstring(files["article.html"].decode())
    page = lxml_html.fromstring(files["article.page.html"].decode())
    said: dict[str, dict[str, Any]] = {}
    for key, fact in fields.FIELDS.items():
        readers = {
            f"ninjs-{version}": lambda name: _ninjs_value(doc, name),
            "newsml": lambda name: _newsml_value(root, name),
            "jsonld": lambda name: jsonld.get(name),
            "html": lambda name: _html_value(snippet, page, name),
        }
        said[key] = {
            fmt: _same(key, read(fact.names[fmt]))
            for fmt, read in readers.items()
            if fact.names[fmt]
        }
        assert None not in said[key].values(), (key, said[key])
        assert len({json.dumps(v, default=str) for v in said[key].values()}) == 1, (key, said[key])
    assert said["identifier"][f"ninjs-{version}"].startswith("tag:dailycallernewsfoundation.org,")
    assert said["canonical_link"]["newsml"] == CANONICAL
    assert said["copyright_notice"]["jsonld"] == "Copyright 2022 The Daily Caller News Foundation"
    assert said["embargo"]["newsml"] == datetime(2022, 3, 11, 5, tzinfo=UTC)
    assert said["editorial_note"]["html"] == "Correction: The talks were in Antalya."
    assert said["usage_terms"]["newsml"].startswith("Credit line: By Staff Reporter")
    assert "HOLD FOR RELEASE" in said["usage_terms"]["newsml"]


def test_the_article_uri_stays_the_same_through_revisions_and_profiles() -> None:
    inp = make_input()
    later = replace(
        inp, article=replace(inp.article, revision=5, updated_at=datetime(2024, 1, 1, tzinfo=UTC))
    )
    uris = {fields.facts(x, "ninjs").identifier for x in (inp, later, replace(inp, profile="1.6"))}
    assert uris == {"tag:dailycallernewsfoundation.org,2022-03-10:article:1042"}
    assert fields.facts(later, "ninjs").revision_identifier.endswith(":article:1042:revision:5")


# --- the table is the only place ------------------------------------------------------------


def _distinctive_names() -> set[str]:
    out = set()
    for fact in fields.FIELDS.values():
        for name in fact.names.values():
            name = name.lstrip("@")
            if name and name not in PLAIN:
                out.add(name)
    return out


def test_the_field_table_is_the_only_place_a_formats_field_names_appear_outside_its_builder():
    names = _distinctive_names()
    assert {"copyrightnotice", "usageTerms", "edNote", "embargoedUntil", "creditText"} <= names
    offenders = []
    for path in sorted((ROOT / "syndication").rglob("*.py")) + sorted(
        (ROOT / "bench").glob("*.py")
    ):
        relative = path.relative_to(ROOT).as_posix()
        if relative in BUILDERS or relative.startswith(READERS):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                offenders.append(f"{relative}:{node.lineno} {node.value!r}")
    assert offenders == []
