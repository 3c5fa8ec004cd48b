"""How the cost of resolving and rendering terms grows with the number of rules.

Run from the project root: ``python bench/rules.py``. For 10, 100 and 1,000
random rules it times, per article, ``resolve`` + ``render_terms`` (and each
part alone), and compares the medians with a baseline measured in the same
run: rendering one fixed template (the seed footer, as HTML). Figures are
medians in microseconds; ratios are against the baseline and against the
previous rule count, so linear growth shows as a ~10x step.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

# Run as `python bench/x.py`, bench/ is sys.path[0], where bench/http.py would
# shadow the standard library's http package: the project root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from syndication.rules import (
    FLAG_ACTIONS,
    FORMATS,
    ORIGINS,
    POLICIES,
    Actions,
    ArticleFacts,
    Conditions,
    Context,
    Rule,
    RuleSet,
    default_rules,
    render_terms,
    render_text,
    resolve,
)
from syndication.rules.defaults import FREE_FOOTER
from syndication.rules.templates import EXAMPLE_VARIABLES

SEED = 20240601
RULE_COUNTS = (10, 100, 1_000)
ARTICLES = 300
SECTIONS = ["politics", "world", "us", "sport", "energy", "health", "opinion"]
TAGS = [f"tag{i}" for i in range(40)]
TIERS = ["standard", "premium", "partner"]
YEARS = [datetime(year, 1, 1, tzinfo=UTC) for year in range(2018, 2027)]
NOW = datetime(2024, 6, 1, tzinfo=UTC)
# Rule texts are few in practice (staff write a handful), so the template cache
# is part of what is measured.
TEXTS = [
    FREE_FOOTER,
    "By {{ byline }}, {{ organisation }}",
    "This article originally appeared on {{ organisation }}: {{ canonical_url }}",
    "Republished by {{ partner_name }} under licence {{ licence_id }}.",
    "{{ headline }} — {{ published_date }}",
]
VARIABLES = EXAMPLE_VARIABLES


def maybe_subset(
    rng: random.Random, pool: list[str] | tuple[str, ...], chance: float
) -> frozenset[str]:
    """Usually empty ("any"); otherwise one to three values from the pool."""
    if rng.random() >= chance:
        return frozenset()
    return frozenset(rng.sample(pool, rng.randint(1, min(3, len(pool)))))


def random_rule(rng: random.Random, rule_id: int) -> Rule:
    """A plausible staff rule: a few conditions, one to three actions."""
    published_from = rng.choice(YEARS) if rng.random() < 0.1 else None
    conditions = Conditions(
        origins=maybe_subset(rng, ORIGINS, 0.2),
        policies=maybe_subset(rng, POLICIES, 0.3),
        sections=maybe_subset(rng, SECTIONS, 0.3),
        tags=maybe_subset(rng, TAGS, 0.3),
        partner_tiers=maybe_subset(rng, TIERS, 0.2),
        formats=maybe_subset(rng, FORMATS, 0.3),
        published_from=published_from,
    )
    chosen = rng.sample(
        ["footer", "credit_line", "originally_appeared", *FLAG_ACTIONS], rng.randint(1, 3)
    )
    values = {
        name: rng.choice(TEXTS)
        if name in ("footer", "credit_line", "originally_appeared")
        else rng.random() < 0.5
        for name in chosen
    }
    return Rule(
        id=rule_id,
        name=f"random {rule_id}",
        priority=rng.randint(0, 20),
        active=rng.random() < 0.9,
        conditions=conditions,
        actions=Actions(**values),
    )


def random_case(rng: random.Random) -> tuple[ArticleFacts, Context]:
    """One article and one delivery context."""
    article = ArticleFacts(
        origin=rng.choice(ORIGINS),
        policy=rng.choice(POLICIES),
        section=rng.choice(SECTIONS),
        tags=frozenset(rng.sample(TAGS, rng.randint(0, 4))),
        published_at=rng.choice(YEARS),
    )
    context = Context(rng.choice([None, *TIERS]), rng.choice(FORMATS), NOW)
    return article, context


def median_us(samples: list[float]) -> float:
    """Median of seconds, in microseconds."""
    return statistics.median(samples) * 1e6


def time_each(calls: list[Callable[[], object]], repeat: int = 3) -> list[float]:
    """Time every call ``repeat`` times, one perf_counter pair per call."""
    samples: list[float] = []
    for _ in range(repeat):
        for call in calls:
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    """Run the benchmark and print a table."""
    rng = random.Random(SEED)
    cases = [random_case(rng) for _ in range(ARTICLES)]

    # Baseline: one fixed template, compiled once, rendered with escaping+links.
    render_text(FREE_FOOTER, VARIABLES, "html")
    baseline = median_us(
        time_each([lambda: render_text(FREE_FOOTER, VARIABLES, "html")] * ARTICLES)
    )

    print(f"rules engine benchmark: {ARTICLES} articles x 3 repeats, median per article")
    print(f"baseline (render one fixed template, html): {baseline:8.1f} µs\n")
    header = (
        f"{'rules':>7} {'resolve(list)':>14} {'resolve':>9} {'render':>8} {'both':>9} "
        f"{'p90 both':>9} {'× base':>8} {'× prev':>8} {'µs/rule':>8}"
    )
    print(header)
    print("-" * len(header))

    rule_sets = [("default", default_rules())]
    for count in RULE_COUNTS:
        rule_sets.append((str(count), [random_rule(rng, i + 1) for i in range(count)]))

    previous: float | None = None
    for label, rule_list in rule_sets:
        # The app keeps one RuleSet per rule-set version; "resolve(list)" shows
        # the cost when it does not (the list is sorted on every call).
        rules = RuleSet(rule_list)
        resolutions = [resolve(rules, article, context) for article, context in cases]
        for resolution in resolutions:  # warm the template cache
            render_terms(resolution, VARIABLES)
        list_t = median_us(
            time_each([lambda a=a, c=c, rs=rule_list: resolve(rs, a, c) for a, c in cases])
        )
        resolve_t = median_us(
            time_each([lambda a=a, c=c, rs=rules: resolve(rs, a, c) for a, c in cases])
        )
        render_t = median_us(
            time_each([lambda r=r: render_terms(r, VARIABLES) for r in resolutions])
        )
        both = time_each(
            [
                lambda a=a, c=c, rs=rules: render_terms(resolve(rs, a, c), VARIABLES)
                for a, c in cases
            ]
        )
        both_t = median_us(both)
        p90 = statistics.quantiles(both, n=10)[-1] * 1e6
        growth = f"{both_t / previous:7.1f}x" if previous and label != "default" else f"{'':>8}"
        per_rule = both_t / len(rule_list)
        print(
            f"{label:>7} {list_t:14.1f} {resolve_t:9.1f} {render_t:8.1f} {both_t:9.1f} {p90:9.1f} "
            f"{both_t / baseline:7.1f}x {growth} {per_rule:7.2f}"
        )
        if label != "default":
            previous = both_t
    print(
        "\nresolve = matching + precedence on a prepared RuleSet; resolve(list) = the same"
        "\nfrom a plain list; render = the three texts for the format; both = resolve +"
        "\nrender; × prev = growth from the previous rule count (10x more rules)."
    )


if __name__ == "__main__":
    main()
