"""How fast imports run, against the floor any import pays: a bare parse plus one sanitising pass.

Run from the project root: ``python bench/ingest.py`` (``--profile`` adds a
cProfile listing of the feed import; ``--cpu`` times CPU rather than wall-clock
time, which other processes on a busy machine disturb less; ``--stages`` adds
where the import's time goes, stage by stage, beside the floor). It times, in
the same run, on the same bytes, interleaved and best of a few runs:

- the bare parse: ``lxml.etree.fromstring`` with the importers' own XML parser
  (strict, and recovering only for a file that is not well-formed, as they do);
- the floor: that parse plus one nh3 pass (the importers' allow-list) over each
  item's body, which any import that sanitises what it stores must pay;
- the whole import (:func:`import_without_storing`): what importing a file does
  before anything is stored: bytes decoded (encoding sniffed), the feed or export
  mapped onto drafts (dates, links, media), each body split, its footer and
  promos found, sanitised and rendered (``enrich.finish_draft``), the finishing
  steps (``tidy``, empty items dropped, identities assigned): all of
  ``read_file``; then what ``services.articles.import_draft`` computes from each
  draft before it reads or writes the database (its identity keys and content
  hash). The database look-ups and writes are not timed;

over two workloads: the shared corpus's own feeds and WordPress exports, every
file as it is (``--corpus-runs`` times over), and a large RSS feed and WordPress
export built by repeating real corpus items (each copy with its own GUID and
link, so nothing keyed on them is shared between copies). Process-wide caches
(nh3 cleaners, dateparser's parsers and the date words it read) are warm, as in
a running server: best of the runs.

Targets (issue "Scale", point 4): at least 2,000 items/s, and the whole import
within 1.5x of the floor.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import logging
import os
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
from syndication.ingest.detect import read_file
from syndication.ingest.enrich import _parse_fragment, render_body, split_body
from syndication.ingest.errors import ImportFormatError
from syndication.ingest.feeds import _parser
from syndication.ingest.identity import identify, text_fingerprint
from syndication.services.articles import content_hash

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
CORPUS_RUNS = 5
TARGET_RATE = 2_000
TARGET_RATIO = 1.5
# Wall-clock time by default; --cpu switches to the process's CPU time.
CLOCK: list[Callable[[], float]] = [time.perf_counter]
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


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def bodies(root: etree._Element) -> list[str]:
    """Each item's body HTML as the importers take it: the full text, else the description.

    RSS items and Atom entries in any namespace; markup written as XML (Atom xhtml)
    serialised; of a WordPress export, the published posts only.
    """
    found = []
    for item in root.iter():
        if _local(item.tag) not in {"item", "entry"}:
            continue
        full = summary = None
        wordpress = {}
        for child in item:
            local = _local(child.tag)
            if local in {"encoded", "content"} and full is None:
                full = child
            elif local in {"description", "summary"} and summary is None:
                summary = child
            elif local in {"post_type", "status", "post_password"}:
                wordpress[local] = (child.text or "").strip()
        # A WordPress export's pages, attachments and unpublished posts are not imported.
        if wordpress and (
            wordpress.get("post_type", "post") != "post"
            or wordpress.get("status", "publish") != "publish"
            or wordpress.get("post_password")
        ):
            continue
        element = full if full is not None and (full.text or len(full)) else summary
        if element is None:
            found.append("")
        elif len(element):
            found.append("".join(etree.tostring(c, encoding="unicode") for c in element))
        else:
            found.append(element.text or "")
    return found


def bare_parse(data: bytes) -> etree._Element:
    """The bytes parsed by the importers' own XML parser, without decoding or mapping.

    Leading blank lines and sloppy XML are in the corpus: as the importers do,
    a file that is not well-formed is parsed again with the recovering parser.
    """
    data = data.lstrip()
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        return etree.fromstring(data, _parser(recover=True))


def parse_and_clean_once(data: bytes) -> None:
    # The importers' own nh3 allow-list, one pass: no embed pass, no stability check.
    for body in bodies(bare_parse(data)):
        sanitise._CLEANER.clean(body)


def best_of(runs: int, works: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The best time of each piece of work, run in turns so that load on the machine hits all."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(runs):
        for name, work in works.items():
            clock = CLOCK[0]
            start = clock()
            work()
            times[name].append(clock() - start)
    return {name: min(values) for name, values in times.items()}


PARSE = "etree.fromstring (bare parse)"
FLOOR = "floor: parse + one nh3 pass per body"
IMPORT = "the whole import, storing aside"


def import_without_storing(data: bytes, name: str) -> None:
    """What importing a file computes: ``read_file``, then each draft's identity and hash."""
    for draft in read_file(data, name, known_footers=KNOWN_FOOTERS).drafts:
        identify(draft.source_id, draft.canonical_url, draft.body_html)
        content_hash(draft)


def measure(
    label: str, files: list[tuple[bytes, str]], repeat: int = 1, *, stages: bool = False
) -> tuple[float, float]:
    """Print items/s and the ratios to the floor and the bare parse; return the import's.

    With ``stages``, then where the import's time goes (:func:`print_stages`).
    """
    count = sum(len(read_file(d, n, known_footers=KNOWN_FOOTERS).drafts) for d, n in files)

    def each(work: Callable[[bytes, str], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(repeat):
                for data, name in files:
                    work(data, name)

        return run

    best = best_of(
        RUNS,
        {
            PARSE: each(lambda data, name: bare_parse(data)),
            FLOOR: each(lambda data, name: parse_and_clean_once(data)),
            IMPORT: each(import_without_storing),
        },
    )
    count *= repeat
    floor, full = best[FLOOR], best[IMPORT]
    rate, ratio = count / full, full / floor
    verdict = "ok" if rate >= TARGET_RATE and ratio <= TARGET_RATIO else "MISSED"
    size = sum(len(d) for d, _ in files) / 1e6
    print(f"{label}: {count:,} items imported, {size:.1f} MB x {repeat}")
    for name, seconds in best.items():
        print(
            f"  {name:<38} {count / seconds:>9,.0f} items/s  {seconds / count * 1e6:7.1f} µs/item"
            f"  {seconds / floor:5.2f}x floor  {seconds / best[PARSE]:5.1f}x parse"
        )
    print(f"  [{verdict}] {rate:,.0f} items/s, {ratio:.2f}x the floor")
    if stages:
        print_stages(files, repeat, count, floor, full)
    return rate, ratio


def print_stages(
    files: list[tuple[bytes, str]], repeat: int, count: int, floor: float, full: float
) -> None:
    """Time the import's stages alone, on the floor's own bodies and the import's own drafts.

    Each stage is the function the import calls, run over what it is given there:
    the body HTML parsed (lxml, as the block split does), the block split (that
    parse, dropped elements, tracking pixels, captions, blocks), the blocks
    rendered (serialised, one nh3 pass, empty links and paragraphs removed), the
    text fingerprint of the sanitised body and the content hash. What is left of
    the whole import is everything else: decoding, mapping each item (links,
    dates, media), the findings, the headline, footer and promo steps, tidying
    and identities.
    """
    raw = [body for data, _ in files for body in bodies(bare_parse(data)) if body.strip()]
    drafts = [
        d for data, name in files for d in read_file(data, name, known_footers=KNOWN_FOOTERS).drafts
    ]
    split = [split_body(body)[0] for body in raw]

    def each(work: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(repeat):
                work()

        return run

    best = best_of(
        RUNS,
        {
            "body HTML parsed (lxml)": each(lambda: [_parse_fragment(b) for b in raw]),
            "block split, that parse included": each(lambda: [split_body(b) for b in raw]),
            "blocks rendered: serialised + one nh3": each(
                lambda: [render_body(b, "https://bench.example.org/") for b in split]
            ),
            "text fingerprint of the stored body": each(
                lambda: [text_fingerprint(d.body_html) for d in drafts]
            ),
            "content hash": each(lambda: [content_hash(d) for d in drafts]),
        },
    )
    measured = full - sum(t for name, t in best.items() if not name.startswith("body HTML"))
    print("  where the import's time goes, each stage alone:")
    for name, seconds in [*best.items(), ("everything else (import minus the above)", measured)]:
        print(f"    {name:<42} {seconds / count * 1e6:7.1f} µs/item  {seconds / floor:5.2f}x floor")


def corpus_files() -> list[tuple[bytes, str]]:
    """The shared feeds and WordPress exports that import (one is malformed on purpose)."""
    files = []
    for folder in ("feeds", "wxr"):
        for path in sorted((CORPUS / folder).iterdir()):
            data = path.read_bytes()
            try:
                read_file(data, path.name)
            except ImportFormatError:
                continue
            files.append((data, path.name))
    return files


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--items", type=int, default=ITEMS)
    arguments.add_argument("--corpus-runs", type=int, default=CORPUS_RUNS)
    arguments.add_argument("--profile", action="store_true", help="cProfile the feed import")
    arguments.add_argument("--cpu", action="store_true", help="time CPU, not wall-clock, time")
    arguments.add_argument("--stages", action="store_true", help="time the import's stages")
    options = arguments.parse_args()
    if options.cpu:
        CLOCK[0] = time.process_time
    logging.disable(logging.WARNING)  # the corpus's broken exports say so on every import

    feed, wxr = build_feed(options.items), build_wxr(options.items)
    print(
        f"targets: >= {TARGET_RATE:,} items/s and <= {TARGET_RATIO}x the floor "
        f"(bare parse + one nh3 pass per body); {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; {'CPU' if options.cpu else 'wall-clock'} time"
    )
    files = corpus_files()
    stages = options.stages
    measure(
        f"shared corpus, {len(files)} feeds and exports", files, options.corpus_runs, stages=stages
    )
    measure("RSS built from corpus items", [(feed, "bench.rss")], stages=stages)
    measure("WXR built from corpus posts", [(wxr, "bench-wxr.xml")], stages=stages)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(import_without_storing, feed, "bench.rss")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
