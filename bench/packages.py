"""How long a full single-article package takes, against the cost of merely zipping it.

Run from the project root: ``python bench/packages.py`` (``--profile`` adds a
cProfile listing of the reference article's build). For three workloads

* the reference article (``shared/bench/reference-article.json``: 613 words,
  one image, given 4 KB of stand-in image bytes),
* a generated long article (5,000 words, 10 images of 3-6 KB, promos, lists),
* 30 generated articles (200-1,500 words, 0-3 images each),

it times, per article, the full bundle (every format + manifest + zip) from a
fresh ``PackageInput`` given the revision's body forms (``packaging.forms``,
made once per revision and stored with it, as the app does: a grant's package
only assembles them with its terms and pixel). Nothing else is reused between
runs except compiled regexes, parsers, rule templates and what the packagers
work out once per revision in memory (its facts, its NewsML-G2 item and its
ninjs and JSON-LD objects without the grant's terms: a notice's ten thousand
packages share them). In the same run, the floor: zipping the same output
bytes with the same zip code; and beside them, the same build from scratch
(no stored forms: the body read and converted in every build). Figures are the median
and p95 in milliseconds over many runs, and the ratio full/floor. Then it
streams bundles of 20 and 200 articles and prints tracemalloc's peak against
the bytes streamed. Targets: reference median under 0.5 ms and within 2x of
its floor.

For the reference article it also prints what parts of any build cost against
the same floor (see :func:`bounds`): the files handed in, only hashed for the
manifest and zipped; the same after encoding the texts; and the body's
conversions alone. What the 2x target leaves for rendering is printed next to
what the conversions take.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from syndication.packaging import (
    ArticleRevision,
    AssetInput,
    GrantFacts,
    Organisation,
    PackageInput,
    forms,
    manifest,
    markdown,
    newsml,
    text,
)
from syndication.packaging.bundle import (
    build_zip,
    package_with_manifest,
    stream_bundle,
    zip_files,
)
from syndication.rules import ArticleFacts, default_rules, odrl_policy
from syndication.rules.snapshot import snapshot_hash, terms_snapshot

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "reference-article.json"
TARGET_MS = 0.5
TARGET_RATIO = 2.0
# Package files that are text (the rest, images, are bytes as they came).
_TEXTS = (".html", ".txt", ".md", ".json", ".xml", ".jsonld")
ORG = Organisation(
    "The Daily Caller News Foundation",
    "https://dailycallernewsfoundation.org",
    "licensing@dailycallernewsfoundation.org",
)
GRANT = GrantFacts("G-1", "LIC-2026-0001", "The Riverside Courier", "P-1")
GRANTED = datetime(2026, 1, 5, 9, tzinfo=UTC)
WORDS = (
    "council", "tram", "plan", "city", "vote", "budget", "minister", "talks", "district",
    "network", "line", "station", "residents", "survey", "project", "funding", "transport",
    "report", "official", "spokesman", "decision", "construction", "year", "percent",
    "public", "hearing", "environment", "cost", "loan", "bank", "review",
)  # fmt: skip


class Case:
    """What a grant stores (terms, ODRL) plus the article and assets; inputs made fresh."""

    def __init__(self, article: ArticleRevision, assets: tuple[AssetInput, ...]) -> None:
        self.article, self.assets = article, assets
        # Made once, when the revision is stored; read back from its JSON as a load would.
        made = forms.revision_forms(article.body_html, assets)
        self.forms = forms.loads(forms.dumps(made, article.body_html), article.body_html)
        byline = ", ".join(article.bylines)
        self.terms = terms_snapshot(
            default_rules(),
            ArticleFacts(origin="original", policy="free_eligible", section=article.section),
            variables={
                "organisation": ORG.name,
                "organisation_url": ORG.url,
                "licensing_email": ORG.licensing_email,
                "headline": article.headline,
                "byline": byline,
                "canonical_url": article.canonical_url,
                "published_date": article.first_published.date().isoformat(),
                "partner_name": GRANT.partner_name,
                "partner_tier": "standard",
                "licence_id": GRANT.licence_id,
            },
            partner_tier="standard",
            now=GRANTED,
            licence_id=GRANT.licence_id,
            rule_set_version=1,
            valid_from=GRANTED,
        )
        self.odrl = odrl_policy(
            uid=f"{ORG.url}/licences/{GRANT.licence_id}",
            organisation=ORG.name,
            organisation_uri=ORG.url,
            partner_name=GRANT.partner_name,
            partner_uri="https://riversidecourier.example",
            target=article.canonical_url,
            footer_text=self.terms["formats"]["text"]["footer"],
            valid_from=GRANTED,
        )
        self.terms_hash = snapshot_hash(self.terms)

    def input(self, *, stored: bool = True) -> PackageInput:
        """A fresh input with the revision's stored forms (``stored=False``: without them),
        and the terms' hash the grant stored, as ``package_sources`` reads them."""
        inp = PackageInput(
            self.article,
            self.terms,
            GRANT,
            ORG,
            self.odrl,
            "https://px.example/p.gif",
            self.assets,
            forms=self.forms if stored else None,
        )
        if stored:
            inp.remember_terms_hash(self.terms_hash)
        return inp


def _image(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def reference_case() -> Case:
    """The reference article with 4 KB of stand-in bytes for its image."""
    data = json.loads(REFERENCE.read_text("utf-8"))
    article = ArticleRevision(
        article_id=data["guid"],
        revision=1,
        headline=data["headline"],
        body_html=data["body_html"],
        updated_at=datetime.fromisoformat(data["updated_at"]),
        canonical_url=data["canonical_url"],
        bylines=(data["byline"],),
        dateline=data["dateline"],
        section=data["section"],
        tags=tuple(data["keywords"]),
        language=data["language"],
        published_at=datetime.fromisoformat(data["published_at"]),
        word_count=data["word_count"],
    )
    assets = tuple(
        AssetInput(
            filename=image["renditions"]["baseImage"]["href"].rsplit("/", 1)[-1],
            data=_image(n, 4096),
            mime_type=image["mime_type"],
            caption=image["caption"],
            credit=image["credit"],
            rights_holder=image["rights_holder"],
            syndicatable=image["syndicatable"],
            source_url=image["renditions"]["baseImage"]["href"],
            alt=image["alt"],
        )
        for n, image in enumerate(data["images"])
    )
    return Case(article, assets)


def generated_case(n: int, words: int, images: int) -> Case:
    """An article of ``words`` words in paragraphs, with promos, a list and ``images`` figures."""
    rng = random.Random(n)
    paragraphs: list[str] = []
    left = words
    while left > 0:
        count = min(left, rng.randint(40, 90))
        left -= count
        text = " ".join(rng.choice(WORDS) for _ in range(count)).capitalize()
        if rng.random() < 0.1:
            text += ' <span class="promo">(RELATED: Another story &amp; more)</span>'
        paragraphs.append(f"<p>{text}.</p>")
    paragraphs.insert(len(paragraphs) // 2, "<ul><li>first point</li><li>second point</li></ul>")
    assets: list[AssetInput] = []
    for i in range(images):
        src = f"https://media.example.org/{n}/photo-{i}.jpg"
        third_party = i % 4 == 3
        credit = "AP Photo/Staff" if third_party else "Example News/Staff"
        paragraphs.insert(
            1 + i * 2,
            f'<figure><img src="{src}" alt="photo {i}"><figcaption>Photo {i} ({credit})'
            "</figcaption></figure>",
        )
        assets.append(
            AssetInput(
                filename=f"photo-{i}.jpg",
                data=_image(n * 100 + i, rng.randint(3000, 6000)),
                mime_type="image/jpeg",
                caption=f"Photo {i}",
                credit=credit,
                rights_holder="AP" if third_party else "Example News",
                syndicatable=not third_party,
                source_url=src,
            )
        )
    published = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    article = ArticleRevision(
        article_id=f"gen-{n}",
        revision=1 + n % 3,
        headline=f"Generated article {n} about the city's tram plan",
        body_html="\n".join(paragraphs),
        updated_at=published + timedelta(hours=2),
        canonical_url=f"https://news.example.org/2025/generated-{n}",
        dek="A generated article for benchmarks",
        bylines=("Anna Keller", "Peter Lang"),
        section="City",
        tags=("transport", "city council"),
        published_at=published,
        summary="A generated article.",
        word_count=words,
    )
    return Case(article, tuple(assets))


def _timings(fn: Callable[[], object], runs: int) -> list[float]:
    """Seconds per call of ``fn``, timed as timeit does: the cyclic GC paused while timing.

    (Collecting before every sample, as this once did, empties the allocator's
    free lists and makes the next allocations pay for it: both the build and
    the floor measured up to twice their cost in a running program.)
    """
    out: list[float] = []
    clock = time.perf_counter
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = clock()
            fn()
            out.append(clock() - start)
    finally:
        if enabled:
            gc.enable()
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure(label: str, cases: list[Case], runs: int) -> tuple[float, float]:
    """Print median/p95 of full build and zip-only floor over ``runs`` rounds of ``cases``."""
    floors = [(package_with_manifest(c.input()), c.article.updated_at) for c in cases]
    for case in cases:  # warm-up: first builds compile regexes, load templates
        build_zip(case.input())
    full: list[float] = []
    floor: list[float] = []
    scratch: list[float] = []
    gc.collect()
    # The build and its floor interleaved, so that both meet the same state of the
    # machine; the build from scratch apart, after them: between the two it would leave
    # the caches full of its own work for the next build, not for the floor after it.
    for _ in range(runs):
        for case in cases:
            full += _timings(lambda c=case: build_zip(c.input()), 1)
        for files, moment in floors:
            floor += _timings(lambda f=files, m=moment: zip_files(f, m), 1)
    for _ in range(runs):
        for case in cases:
            scratch += _timings(lambda c=case: build_zip(c.input(stored=False)), 1)
    size = sum(len(b) for b in floors[0][0].values())
    med, p95 = statistics.median(full) * 1e3, _p95(full) * 1e3
    fmed, fp95 = statistics.median(floor) * 1e3, _p95(floor) * 1e3
    smed = statistics.median(scratch) * 1e3
    print(
        f"{label:<34} full {med:7.3f} ms (p95 {p95:7.3f})   zip-only {fmed:7.3f} ms"
        f" (p95 {fp95:7.3f})   ratio {med / fmed:5.2f}   files {len(floors[0][0])},"
        f" {size / 1024:.0f} KB   (from scratch {smed:.3f} ms, {smed / fmed:.2f}x)"
    )
    return med, med / fmed


def bounds(case: Case, runs: int) -> None:
    """Print what parts of any build of ``case`` cost, as multiples of its zip-only floor.

    Three rows, each timed interleaved with the floor in the same run:

    * files given: only hashed for manifest.json and zipped, the least any
      package with a manifest of sha256s can cost;
    * texts given: the same, after encoding each text file from ``str``, the
      least a build that renders its files as text can cost;
    * the body's conversions alone (prepared, read, walked into plain text,
      Markdown and XHTML), the part a build of every format cannot skip.

    With the target at 2x, what the first two rows leave is what rendering all
    eight formats under the grant's terms may cost.
    """
    files = package_with_manifest(case.input())
    del files["manifest.json"]
    moment = case.article.updated_at
    binary = {name: data for name, data in files.items() if not name.endswith(_TEXTS)}
    texts = {name: data.decode() for name, data in files.items() if name.endswith(_TEXTS)}

    def zip_only() -> None:
        zip_files({**files, "manifest.json": b"{}"}, moment)

    def files_given() -> None:
        out = dict(files)
        out["manifest.json"] = manifest.build(case.input(), out)
        zip_files(out, moment)

    def texts_given() -> None:
        out = {name: value.encode() for name, value in texts.items()}
        out.update(binary)
        out["manifest.json"] = manifest.build(case.input(), out)
        zip_files(out, moment)

    def body_conversions() -> None:
        inp = case.input(stored=False)
        inp.body("html")
        text.body_text(inp)
        markdown.body_markdown(inp)
        newsml.xhtml_body(inp)

    rows = {
        "zip only": zip_only,
        "files given: manifest + zip": files_given,
        "texts given: encode + manifest + zip": texts_given,
        "body conversions alone": body_conversions,
    }
    for fn in rows.values():
        fn()
    timings: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(runs):
        for label, fn in rows.items():
            timings[label] += _timings(fn, 1)
    medians = {label: statistics.median(values) * 1e3 for label, values in timings.items()}
    floor = medians.pop("zip only")
    print(f"what any build of the reference article costs; its zip-only floor: {floor:.3f} ms")
    for label, value in medians.items():
        print(f"  {label:<40} {value:7.3f} ms   {value / floor:5.2f}x floor")
    room = (TARGET_RATIO - medians["texts given: encode + manifest + zip"] / floor) * floor
    print(
        f"  left at {TARGET_RATIO}x for rendering every format under the terms:"
        f" {room * 1e3:.0f} us (the body's conversions alone, made once per revision"
        f" and stored, take {medians['body conversions alone'] * 1e3:.0f} us)"
    )


def _stream_peak(cases: list[Case], count: int) -> None:
    def inputs() -> Iterator[PackageInput]:
        for n in range(count):
            yield cases[n % len(cases)].input()

    gc.collect()
    tracemalloc.start()
    total = 0
    start = time.perf_counter()
    for chunk in stream_bundle(inputs()):
        total += len(chunk)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"stream {count:>3} articles: {total / 1e6:6.2f} MB streamed, tracemalloc peak"
        f" {peak / 1e6:5.2f} MB ({peak / total:.1%} of output), {elapsed:.2f} s under tracemalloc"
    )


def main() -> None:
    """Run the benchmark and print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="cProfile the reference build")
    args = parser.parse_args()

    reference = reference_case()
    long_case = generated_case(9999, 5000, 10)
    many = [
        generated_case(n, random.Random(n).randint(200, 1500), random.Random(-n).randint(0, 3))
        for n in range(30)
    ]
    print("Per-article time to build the full package zip vs zipping the same bytes (stored)")
    ref_med, ref_ratio = measure("reference (613 words, 1 image)", [reference], 3000)
    measure("long (5,000 words, 10 images)", [long_case], 300)
    measure("30 generated articles", many, 60)
    bounds(reference, 3000)
    verdict = "met" if ref_med < TARGET_MS and ref_ratio <= TARGET_RATIO else "MISSED"
    print(
        f"target: reference median < {TARGET_MS} ms and <= {TARGET_RATIO}x floor:"
        f" {verdict} ({ref_med:.3f} ms, {ref_ratio:.2f}x)"
    )
    for count in (20, 200):
        _stream_peak(many, count)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            build_zip(reference.input())
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
