"""How fast imports run, against the cost of merely parsing the same XML.

Run from the project root: ``python bench/ingest.py`` (``--profile`` adds a
cProfile listing of the feed import). It builds a large RSS feed and a large
WordPress export by repeating real corpus items (each copy with its own GUID and
link, so nothing keyed on them is shared between copies), then times, in the
same run and on the same bytes:

- a baseline of just ``lxml.etree.fromstring``;
- that parse plus one nh3 pass over each item's body with the importers' allow-list:
  the floor of any import that sanitises every item;
- that parse plus nh3 until each body's output is stable (what the sanitiser
  promises: its output sanitises to itself), so at least two passes;
- that parse plus ``sanitise_html`` on each body: the same after the embed and
  tracking-pixel pass, a Python tokeniser over the whole of any body with an image
  (the import runs it only over the blocks that need it);
- ``parse_any``, the whole import: sanitising, footers and findings included.

Figures are the best of a few interleaved runs; ratios are over the bare parse.
Targets: at least 1,000 items/s, and at most 3x the bare parse.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from syndication.ingest import sanitise
from syndication.ingest.detect import parse_any
from syndication.ingest.feeds import CONTENT
from syndication.ingest.sanitise import sanitise_html

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# UTF-8 feeds with short descriptions and with full content:encoded articles.
FEEDS = (
    "guardian-us.rss",
    "techcrunch-2011.xml",
    "norm2782-wordpress-rss2.xml",
    "medium-hodlhodl.rss",
)
WXR = "theme-unit-test-data.xml"
ITEMS = 5_000
RUNS = 3
TARGET_RATE = 1_000
TARGET_RATIO = 3.0
# What the import service passes: the organisation's own footer, to recognise and remove.
KNOWN_FOOTERS = (
    "Content created by The Bench Desk is available without charge to any eligible news "
    "publisher that can provide a large audience. For licensing opportunities of our "
    "original content, please contact licensing@bench.example.org.",
)


def _load(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes().lstrip())


def _distinct_link(item: etree._Element, n: int) -> None:
    # Real items each have their own link, the base their relative URLs resolve against.
    link = item.find("link")
    if link is not None and link.text and link.text.strip():
        link.text = f"{link.text.strip()}#copy-{n}"


def build_feed(count: int) -> bytes:
    """An RSS 2.0 feed of ``count`` items copied round-robin from several corpus feeds."""
    sources = [_load(CORPUS / "feeds" / name) for name in FEEDS]
    nsmap: dict[str | None, str] = {}
    for source in sources:
        nsmap.update({k: v for k, v in source.nsmap.items() if k})
    rss = etree.Element("rss", nsmap=nsmap, version="2.0")
    channel = etree.SubElement(rss, "channel")
    for tag, text in (("title", "Bench feed"), ("link", "https://bench.example.org/")):
        etree.SubElement(channel, tag).text = text
    items = [item for source in sources for item in source.iter("item")]
    for n in range(count):
        item = copy.deepcopy(items[n % len(items)])
        guid = item.find("guid")
        if guid is None:
            guid = etree.SubElement(item, "guid")
        guid.text = f"{(guid.text or 'https://bench.example.org/item').strip()}#copy-{n}"
        _distinct_link(item, n)
        channel.append(item)
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8")


def build_wxr(count: int) -> bytes:
    """A WordPress export with ``count`` posts copied from the theme unit test export."""
    root = _load(CORPUS / "wxr" / WXR)
    channel = root.find("channel")
    assert channel is not None
    wp = next(ns for ns in root.nsmap.values() if re.search(r"wordpress\.org/export/[\d.]+/$", ns))
    items = channel.findall("item")
    posts = [i for i in items if i.findtext(f"{{{wp}}}post_type") == "post"]
    attachments = [i for i in items if i.findtext(f"{{{wp}}}post_type") == "attachment"]
    for item in items:
        channel.remove(item)
    for item in attachments:
        channel.append(item)
    for n in range(count):
        post = copy.deepcopy(posts[n % len(posts)])
        guid = post.find("guid")
        if guid is not None:
            guid.text = f"{(guid.text or '').strip()}#copy-{n}"
        _distinct_link(post, n)
        channel.append(post)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def bodies(root: etree._Element) -> list[str]:
    """Each item's body HTML as the importers take it: the full text, else the description."""
    return [
        item.findtext(f"{{{CONTENT}}}encoded") or item.findtext("description") or ""
        for item in root.iter("item")
    ]


def parse_and_clean_once(data: bytes) -> None:
    # The importers' own nh3 allow-list, one pass: no embed pass, no stability check.
    for body in bodies(etree.fromstring(data)):
        sanitise._CLEANER.clean(body)


def parse_and_clean_to_stable(data: bytes) -> None:
    for body in bodies(etree.fromstring(data)):
        sanitise._clean(body, "")


def parse_and_sanitise(data: bytes) -> None:
    for body in bodies(etree.fromstring(data)):
        sanitise_html(body)


def best_of(runs: int, works: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The best time of each piece of work, run in turns so that load on the machine hits all."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(runs):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def measure(label: str, data: bytes, filename: str) -> tuple[float, float]:
    """Print items/s and the ratio to the bare parse for each stage; return the import's."""
    drafts = parse_any(data, filename)  # warm-up: imports, caches, and the item count
    count = len(drafts)
    best = best_of(
        RUNS,
        {
            "lxml.fromstring (bare parse)": lambda: etree.fromstring(data),
            "parse + one nh3 pass per body": lambda: parse_and_clean_once(data),
            "parse + nh3 to a stable output": lambda: parse_and_clean_to_stable(data),
            "parse + sanitise_html per body": lambda: parse_and_sanitise(data),
            "parse_any (the whole import)": lambda: parse_any(
                data, filename, known_footers=KNOWN_FOOTERS
            ),
        },
    )
    parse, full = best["lxml.fromstring (bare parse)"], best["parse_any (the whole import)"]
    rate = count / full
    verdict = "ok" if rate >= TARGET_RATE and full / parse <= TARGET_RATIO else "MISSED"
    print(f"{label}: {count:,} items, {len(data) / 1e6:.1f} MB")
    for name, seconds in best.items():
        print(
            f"  {name:<32} {count / seconds:>9,.0f} items/s  {seconds / count * 1e6:7.1f} µs/item"
            f"  {seconds / parse:5.1f}x"
        )
    print(f"  [{verdict}]")
    return rate, full / parse


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--items", type=int, default=ITEMS)
    arguments.add_argument("--profile", action="store_true", help="cProfile the feed import")
    options = arguments.parse_args()

    feed, wxr = build_feed(options.items), build_wxr(options.items)
    print(f"targets: >= {TARGET_RATE:,} items/s and <= {TARGET_RATIO:.0f}x lxml.fromstring")
    measure("RSS", feed, "bench.rss")
    measure("WXR", wxr, "bench-wxr.xml")
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(parse_any, feed, "bench.rss", known_footers=KNOWN_FOOTERS)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
