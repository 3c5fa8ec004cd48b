"""The feed writers: pure, deterministic, and valid whatever characters an article holds."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from syndication.packaging.feeds import FORMATS, Feed, FeedItem


def test_writers_are_deterministic_and_drop_characters_xml_cannot_hold():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    item = FeedItem(
        id="https://org.example/licences/SD-1",
        title="Bell\x07 rings",
        url="",
        content_html="<p>Body &amp; soul</p>",
        summary="",
        authors=(),
        published=when,
        updated=when,
    )
    feed = Feed(
        id="https://org.example/feed",
        title="Org: articles for P",
        description="d",
        home_url="https://org.example/",
        self_url="https://desk.example/feeds/rss.xml",
        publisher="Org",
        updated=when,
        items=(item,),
    )
    for fmt, feed_format in FORMATS.items():
        assert feed_format.write(feed) == feed_format.write(feed), fmt
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(FORMATS[fmt].write(feed))
        assert parsed.bozo == 0, (fmt, parsed.get("bozo_exception"))
        assert parsed.entries[0].title == "Bell rings"
        assert parsed.entries[0].content[0].value == "<p>Body &amp; soul</p>"
