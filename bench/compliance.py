"""How long checking one republished copy takes, against extracting its text alone.

Run from the project root: ``python bench/compliance.py``. For the reference
article (``shared/bench/reference-article.json``) and generated articles of
1,000, 4,000 and 10,000 words, each pasted into a partner's page with the
site's own menus and sidebar around it, it times ``check_page`` (every check:
text similarity by difflib, credit, byline, footer, link, pixel, images) on a
faithful copy and on one with a rewritten paragraph, and, in the same run, the
baseline no check can skip: trafilatura extracting the page's main text.
Figures are medians in milliseconds; the ratio is check / baseline. A worker
fetching a page spends tens to hundreds of milliseconds on the network; the
check should stay a small part of that.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import trafilatura

from bench.packages import Case, generated_case, reference_case
from syndication.packaging import html
from syndication.tracking.compliance import check_page, expected_copy

RUNS = 15
SITE = (
    "<!DOCTYPE html><html><head><title>Outlet</title></head><body>"
    "<nav>" + " ".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(30)) + "</nav>"
    "<main>{snippet}</main><aside><h2>Most read</h2>"
    + "".join(f"<p>Other story number {i} about the weather</p>" for i in range(20))
    + "</aside><footer>© Outlet Media</footer></body></html>"
)


def _median_ms(fn: Callable[[], object]) -> float:
    fn()  # warm: parsers, regexes
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _rewritten(page: str) -> str:
    """The page with its second paragraph replaced by other words."""
    paragraphs = re.findall(r"<p>[^<]{80,}</p>", page)
    if len(paragraphs) < 2:
        return page
    return page.replace(
        paragraphs[1], "<p>" + " ".join(["Entirely different words here"] * 12) + "</p>", 1
    )


def run(label: str, case: Case) -> None:
    inp = case.input()
    expected = expected_copy(inp)
    page = SITE.replace("{snippet}", html.build(inp).decode())
    edited = _rewritten(page)
    words = len(expected.body_text.split())
    baseline = _median_ms(
        lambda: trafilatura.extract(
            page, include_comments=False, include_tables=True, favor_recall=True
        )
    )
    faithful = _median_ms(lambda: check_page(page, expected))
    changed = _median_ms(lambda: check_page(edited, expected))
    passed = check_page(page, expected).passed
    caught = not check_page(edited, expected).passed
    print(
        f"{label:<24} {words:>6} words  extract {baseline:7.2f} ms  "
        f"check faithful {faithful:7.2f} ms ({faithful / baseline:4.1f}x)  "
        f"check edited {changed:7.2f} ms ({changed / baseline:4.1f}x)  "
        f"faithful passes: {passed}, edit caught: {caught}"
    )


def main() -> None:
    print(f"median of {RUNS} runs; ratio = check / trafilatura extraction of the same page")
    run("reference article", reference_case())
    for n, words in enumerate((1_000, 4_000, 10_000)):
        run(f"generated {words:,} words", generated_case(n, words, images=4))


if __name__ == "__main__":
    main()
