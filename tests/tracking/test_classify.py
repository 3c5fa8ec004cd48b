"""Each pixel hit is classified before it counts: bots, prefetches, previews and repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crawlerdetect import CrawlerDetect
from hypothesis import given
from hypothesis import strategies as st

from syndication.models import HitVerdict
from syndication.tracking import classify
from syndication.tracking.classify import Repeats, Request

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_verdicts_are_the_models_hit_verdicts() -> None:
    ours = {classify.COUNTED, classify.BOT, classify.PREFETCH, classify.PREVIEW, classify.REPEAT}
    assert ours == {verdict.value for verdict in HitVerdict}


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " HeadlessChrome/120.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "",
        "   ",
    ],
)
def test_known_bots_and_empty_or_headless_agents_are_bots(agent: str) -> None:
    assert classify.verdict(Request(user_agent=agent)) == classify.BOT


AGENTS = [
    CHROME,
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitterbot/1.0",
    "Go-http-client/2.0",
    "Wget/1.21.4",
    "Mozilla/5.0 (compatible)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36 feedly/1.0",
    "something unheard of",
]


@pytest.mark.parametrize("agent", AGENTS)
def test_crawlers_are_told_as_crawlerdetect_tells_them(agent: str) -> None:
    assert classify.is_bot(agent) == CrawlerDetect().is_crawler(agent)


@given(st.text(max_size=80))
def test_any_agent_is_judged_as_crawlerdetect_judges_it(agent: str) -> None:
    expected = not agent.strip() or bool(classify._HEADLESS.search(agent))
    assert classify.is_bot(agent) == (expected or CrawlerDetect().is_crawler(agent))


_HEADLESS_PARTS = [*classify._HEADLESS_NAMES, "HeadLess", "PLAYWRIGHT", "ſelenium", "İ", " ", "x"]


@given(st.lists(st.sampled_from(_HEADLESS_PARTS), max_size=4).map("".join) | st.text(max_size=40))
def test_headless_browsers_are_told_as_the_case_blind_pattern_tells_them(agent: str) -> None:
    assert classify._is_headless(agent) == bool(classify._HEADLESS.search(agent))


def test_readers_agents_that_differ_only_in_versions_share_one_search() -> None:
    """The slow search runs once for a browser, however many versions its readers run."""
    version = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/131.0.{}.{} Safari/537.36"
    )
    classify.is_bot(version.format(0, 0))
    searched = classify._names_a_crawler.cache_info().misses
    assert not any(classify.is_bot(version.format(n, n * 7)) for n in range(1, 50))
    assert classify._names_a_crawler.cache_info().misses == searched


@pytest.mark.parametrize(
    ("purpose", "sec_purpose"),
    [("", "prefetch"), ("", "prefetch;prerender"), ("prefetch", ""), ("preview", "")],
)
def test_prefetch_and_prerender_are_not_views(purpose: str, sec_purpose: str) -> None:
    request = Request(user_agent=CHROME, purpose=purpose, sec_purpose=sec_purpose)
    assert classify.verdict(request) == classify.PREFETCH


@pytest.mark.parametrize(
    "referrer",
    [
        "https://outlet.example/wp-admin/post.php?post=41&action=edit",
        "https://outlet.example/?p=41&preview=true",
        "https://outlet.example/story/?preview_id=41&preview_nonce=abc",
        "https://outlet.example/ghost/#/editor/post/6571",
        "https://outlet.example/p/3f2c1a9e-8b7d-4c6e-9f01-23456789abcd/",
        "https://outlet.example/node/12/edit",
        "https://outlet.example/node/preview/4b7c/full",
        "https://outlet.example/administrator/index.php?option=com_content",
        "https://outlet.example/admin/pages/88/edit/preview/",
        "https://outlet.example/story?sc_mode=preview",
        "https://author.example/editor.html/content/site/story.html",
        "https://outlet.example/story?x-craft-live-preview=abc&token=x",
        "https://editor.wix.com/html/editor/web/renderer/edit/123",
    ],
)
def test_views_inside_a_cms_editor_or_preview_are_previews(referrer: str) -> None:
    assert classify.verdict(Request(user_agent=CHROME, referrer=referrer)) == classify.PREVIEW


@pytest.mark.parametrize(
    "referrer",
    [
        "",
        "https://outlet.example/2026/12/07/kuleba-lavrov/",
        "https://outlet.example/story?preview=false",
        "https://outlet.example/news/previewing-the-budget",
        "https://outlet.example/p/42",
        "not a url",
    ],
)
def test_a_reader_on_a_published_page_counts(referrer: str) -> None:
    assert classify.verdict(Request(user_agent=CHROME, referrer=referrer)) == classify.COUNTED


def test_a_bot_is_a_bot_even_when_it_prefetches_from_a_preview() -> None:
    request = Request(
        user_agent="", referrer="https://o.example/?preview=true", sec_purpose="prefetch"
    )
    assert classify.verdict(request) == classify.BOT


def test_a_reload_within_thirty_minutes_is_a_repeat_and_one_after_counts() -> None:
    repeats = Repeats({})
    key = (7, "visitor", "https://outlet.example/story")
    assert repeats.judge(key, T0, classify.COUNTED) == classify.COUNTED
    assert repeats.judge(key, T0 + timedelta(minutes=10), classify.COUNTED) == classify.REPEAT
    assert repeats.judge(key, T0 + timedelta(minutes=29), classify.COUNTED) == classify.REPEAT
    assert repeats.judge(key, T0 + timedelta(minutes=30), classify.COUNTED) == classify.COUNTED
    # Another reader, another page or another grant is another view.
    assert repeats.judge((7, "other", key[2]), T0, classify.COUNTED) == classify.COUNTED
    assert repeats.judge((7, "visitor", "https://b.example/"), T0, "counted") == classify.COUNTED
    assert repeats.judge((8, "visitor", key[2]), T0, classify.COUNTED) == classify.COUNTED


def test_repeats_start_from_the_views_already_counted() -> None:
    key = (7, "visitor", "https://outlet.example/story")
    repeats = Repeats({key: T0})
    assert repeats.judge(key, T0 + timedelta(minutes=5), classify.COUNTED) == classify.REPEAT


def test_a_bot_hit_never_opens_a_repeat_window() -> None:
    repeats = Repeats({})
    key = (7, "visitor", "")
    assert repeats.judge(key, T0, classify.BOT) == classify.BOT
    assert repeats.judge(key, T0 + timedelta(minutes=1), classify.COUNTED) == classify.COUNTED
