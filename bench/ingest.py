"""How fast imports run, against the cost of merely parsing the same XML.

Run from the project root: ``python bench/ingest.py`` (``--profile`` adds a
cProfile listing of the feed import). It builds a large RSS feed and a large
WordPress export by repeating real corpus items (each copy with its own GUID),
then times ``parse_any`` on each, sanitising and findings included, and, in the
same run, a baseline of just ``lxml.etree.fromstring`` on the same bytes.
Figures are the best of a few runs; the ratio is import time over parse time.
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

from syndication.ingest.detect import parse_any

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


def _load(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes().lstrip())


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
        channel.append(post)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(label: str, data: bytes, filename: str) -> tuple[float, float]:
    drafts = parse_any(data, filename)  # warm-up: imports, caches, and the item count
    count = len(drafts)
    parse = best_of(RUNS, lambda: etree.fromstring(data))
    full = best_of(RUNS, lambda: parse_any(data, filename))
    rate, bare = count / full, count / parse
    verdict = "ok" if rate >= TARGET_RATE and full / parse <= TARGET_RATIO else "MISSED"
    print(
        f"{label:<5} {count:>6,} items  {len(data) / 1e6:5.1f} MB  "
        f"parse_any {rate:>8,.0f} items/s  lxml.fromstring {bare:>9,.0f} items/s  "
        f"ratio {full / parse:5.1f}x  [{verdict}]"
    )
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
        profiler.runcall(parse_any, feed, "bench.rss")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
