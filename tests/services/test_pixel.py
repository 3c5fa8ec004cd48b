"""The tracking pixel: hits answered from a buffer, classified, counted once, rolled up,
and the copies they come from listed and flagged. Time is injected; buffers are real."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import (
    Copy,
    CopyFlag,
    DailyArticleViews,
    DailyDomainViews,
    DailyGrantViews,
    DailyPartnerViews,
    FlagKind,
    HitVerdict,
    NoticeKind,
    PixelBatch,
    PixelHit,
)
from syndication.services import mail, notices, pixels
from syndication.services.hit_buffer import (
    FLUSH_ASKED_FOR,
    MemoryHitBuffer,
    RedisHitBuffer,
    Unavailable,
    make_buffer,
)
from syndication.tasks import make_queue, queue_of

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# A fixed morning, a little in the past, so the grants made "now" cover it.
T0 = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=1)


def _token(grant) -> str:
    return pixels.pixel_url(grant.id).rsplit("/", 1)[1].removesuffix(".gif")


def _hit(grant, *, at, referrer="", agent=CHROME, addr="203.0.113.7", **headers) -> None:
    assert pixels.record_hit(
        _token(grant), referrer=referrer, remote_addr=addr, user_agent=agent, now=at, **headers
    )


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def redis_buffer(app):
    made = _redis_buffer()
    saved = app.extensions.get("pixel_buffer")
    app.extensions["pixel_buffer"] = (os.getpid(), made)
    yield made
    made.clear()
    app.extensions["pixel_buffer"] = saved


@pytest.fixture
def grant(make_partner, make_article, make_grant):
    partner = make_partner(name="Lone Star Ledger")
    return make_grant(partner, make_article())


@pytest.fixture
def page(grant) -> str:
    """A page on the partner's own domain."""
    return f"https://www.{grant.partner.domains[0].domain}/2026/story/"


def _redis_url() -> str:
    url = os.environ.get("PIXEL_BUFFER_URL", "")
    return url if url.startswith("redis://") else "redis://127.0.0.1:6379/3"


def _redis_buffer() -> RedisHitBuffer:
    return RedisHitBuffer(_redis_url(), prefix=f"tests-{os.getpid()}-{uuid.uuid4().hex}:pixel")


@pytest.fixture(params=["memory", "redis"])
def hit_buffer(request, app):
    """The app's buffer for this test: the in-process one, or a real Redis list."""
    made = MemoryHitBuffer() if request.param == "memory" else _redis_buffer()
    saved = app.extensions.get("pixel_buffer")
    app.extensions["pixel_buffer"] = (os.getpid(), made)
    yield made
    made.clear()
    app.extensions["pixel_buffer"] = saved


def test_the_pixel_answers_without_writing_and_the_flush_counts_the_view(client, grant, page):
    response = client.get(
        pixels.pixel_url(grant.id).removeprefix("http://localhost"),
        headers={"Referer": page + "?utm_source=newsletter#top", "User-Agent": CHROME},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    assert response.status_code == 200
    assert response.mimetype == "image/gif"
    assert response.data == pixels.PIXEL_GIF
    assert response.headers["Cache-Control"].startswith("no-store")
    assert _count(PixelHit) == 0  # buffered, not written
    assert pixels.flush() == 1
    hit = db.session.scalar(sa.select(PixelHit))
    assert (hit.grant_id, hit.verdict, hit.page_url) == (grant.id, HitVerdict.COUNTED, page)
    assert hit.domain == grant.partner.domains[0].domain
    assert hit.referrer == page + "?utm_source=newsletter#top"
    assert len(hit.visitor_hash) == 64 and "198.51.100.23" not in hit.visitor_hash


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"}, {"X-Moz": "prefetch"}],
)
def test_the_pixel_hears_every_spelling_of_a_prefetch(client, grant, page, headers):
    url = pixels.pixel_url(grant.id).removeprefix("http://localhost")
    client.get(url, headers={"Referer": page, "User-Agent": CHROME, **headers})
    client.get(url, headers={"User-Agent": GOOGLEBOT})
    client.get(url, headers={"User-Agent": ""})  # no agent at all
    assert pixels.flush() == 3
    verdicts = db.session.scalars(sa.select(PixelHit.verdict).order_by(PixelHit.id)).all()
    assert verdicts == [HitVerdict.PREFETCH, HitVerdict.BOT, HitVerdict.BOT]


def test_forged_pixel_is_served_but_not_buffered(client):
    response = client.get("/px/not-a-real-token.gif")
    assert response.status_code == 200
    assert pixels.buffer().waiting() == 0
    assert pixels.flush() == 0


def test_pixel_urls_start_with_the_public_base_url_one_token_per_grant(app, grant):
    app.config["PUBLIC_BASE_URL"] = "https://desk.example.org"
    try:
        url = pixels.pixel_url(grant.id)
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://localhost"
    assert url.startswith("https://desk.example.org/px/") and url.endswith(".gif")
    assert pixels.pixel_url(grant.id) == pixels.pixel_url(grant.id)
    assert _token(grant) == url.rsplit("/", 1)[1].removesuffix(".gif")


@pytest.mark.parametrize("base", ["http://localhost", "https://desk.example.org/news"])
def test_pixel_urls_are_the_serializers_token_in_the_url_maps_url(app, base):
    # pixel_url signs and joins by hand: it must stay what the serializer and the URL map make.
    app.config["PUBLIC_BASE_URL"] = base
    try:
        for grant_id in (0, 1, 7, 42, 999, 10_000, 123_456_789, 2**40):
            token = pixels._serializer().dumps(grant_id)
            assert pixels.pixel_url(grant_id) == mail.external_url("public.pixel", token=token)
            assert pixels._grant_of(token) == grant_id
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://localhost"


def test_a_bot_a_prefetch_a_preview_and_a_reload_are_raw_hits_but_not_views(grant, page):
    domain = grant.partner.domains[0].domain
    _hit(grant, at=T0, referrer=page)
    _hit(grant, at=T0 + timedelta(minutes=10), referrer=page)  # reload
    _hit(grant, at=T0 + timedelta(minutes=1), referrer=page, agent=GOOGLEBOT, addr="66.249.66.1")
    _hit(grant, at=T0 + timedelta(minutes=2), referrer=page, agent="")
    _hit(
        grant, at=T0 + timedelta(minutes=3), referrer=page, addr="192.0.2.9", sec_purpose="prefetch"
    )
    _hit(
        grant,
        at=T0 + timedelta(minutes=4),
        referrer=f"https://{domain}/wp-admin/post.php?post=7&action=edit",
        addr="192.0.2.10",
    )
    _hit(grant, at=T0 + timedelta(minutes=5), referrer=f"https://{domain}/?p=7&preview=true")
    assert pixels.flush(now=T0 + timedelta(minutes=11)) == 7

    verdicts = db.session.scalars(sa.select(PixelHit.verdict).order_by(PixelHit.created_at)).all()
    assert verdicts == [
        HitVerdict.COUNTED,
        HitVerdict.BOT,
        HitVerdict.BOT,
        HitVerdict.PREFETCH,
        HitVerdict.PREVIEW,
        HitVerdict.PREVIEW,
        HitVerdict.REPEAT,
    ]
    day = T0.date()
    article = db.session.get(DailyArticleViews, (grant.article_id, day))
    partner = db.session.get(DailyPartnerViews, (grant.partner_id, day))
    by_domain = db.session.get(DailyDomainViews, (domain, day))
    by_grant = db.session.get(DailyGrantViews, (grant.id, domain, day))
    for row in (article, partner, by_domain, by_grant):
        assert (row.raw, row.counted) == (7, 1)
    assert (by_grant.article_id, by_grant.partner_id) == (grant.article_id, grant.partner_id)
    # The previews name no published copy; the page read is one copy with one view.
    (copy,) = db.session.scalars(sa.select(Copy)).all()
    assert (copy.url, copy.domain, copy.raw_hits, copy.views) == (page, domain, 5, 1)
    assert (copy.first_seen_at, copy.last_seen_at) == (T0, T0 + timedelta(minutes=10))
    assert copy.flags == []


def test_a_reload_counts_once_across_flushes_and_again_after_thirty_minutes(grant, page):
    _hit(grant, at=T0, referrer=page)
    pixels.flush(now=T0)
    _hit(grant, at=T0 + timedelta(minutes=29), referrer=page)
    _hit(grant, at=T0 + timedelta(minutes=29), referrer=page, addr="198.51.100.99")
    pixels.flush(now=T0 + timedelta(minutes=29))
    _hit(grant, at=T0 + timedelta(minutes=31), referrer=page)
    pixels.flush(now=T0 + timedelta(minutes=31))
    assert _count(PixelHit) == 4
    assert _count(PixelHit, PixelHit.verdict == HitVerdict.COUNTED) == 3
    copy = db.session.scalar(sa.select(Copy))
    assert (copy.raw_hits, copy.views) == (4, 3)
    assert db.session.get(DailyArticleViews, (grant.article_id, T0.date())).counted == 3


def test_visitor_hashes_change_with_the_day_and_never_hold_the_address(grant):
    _hit(grant, at=T0, addr="203.0.113.7")
    _hit(grant, at=T0 + timedelta(days=1), addr="203.0.113.7")
    pixels.flush(now=T0 + timedelta(days=1))
    first, second = db.session.scalars(
        sa.select(PixelHit.visitor_hash).order_by(PixelHit.created_at)
    ).all()
    assert first != second
    # The day's salt is random, not derived from anything stored.
    for salted in (first, second):
        assert salted not in {
            hashlib.sha256(f"{s}|203.0.113.7|{CHROME}".encode()).hexdigest()
            for s in ("", "testing-secret")
        }
    assert "203.0.113.7" not in first + second


def test_a_copy_on_a_domain_not_the_partners_is_flagged_and_a_subdomain_is_not(grant):
    domain = grant.partner.domains[0].domain
    _hit(grant, at=T0, referrer="https://scraper.example/stolen/story")
    _hit(grant, at=T0, referrer=f"https://news.{domain}/story", addr="198.51.100.1")
    pixels.flush(now=T0)
    copies = {c.domain: c for c in db.session.scalars(sa.select(Copy))}
    (flag,) = copies["scraper.example"].flags
    assert flag.kind is FlagKind.UNKNOWN_DOMAIN and flag.handled_at is None
    assert "scraper.example is not one of Lone Star Ledger's domains" in flag.detail
    assert copies[f"news.{domain}"].flags == []
    # Seen again: still one flag.
    _hit(grant, at=T0 + timedelta(hours=1), referrer="https://scraper.example/stolen/story")
    pixels.flush(now=T0 + timedelta(hours=1))
    assert _count(CopyFlag) == 1


def test_views_after_the_grant_is_revoked_are_flagged(grant, page, make_user):
    _hit(grant, at=T0, referrer=page)
    pixels.flush(now=T0)
    notices.revoke_grant(
        grant.id,
        actor=make_user(),
        reason="Edited the text.",
        public_reason="The terms were broken.",
        now=T0 + timedelta(hours=1),
    )
    assert _count(CopyFlag) == 0
    # A crawler after the revocation is no reader: it flags nothing.
    _hit(grant, at=T0 + timedelta(hours=2), referrer=page, agent=GOOGLEBOT)
    pixels.flush(now=T0 + timedelta(hours=2))
    assert _count(CopyFlag) == 0
    _hit(grant, at=T0 + timedelta(hours=3), referrer=page)
    pixels.flush(now=T0 + timedelta(hours=3))
    (flag,) = db.session.scalars(sa.select(CopyFlag)).all()
    assert flag.kind is FlagKind.AFTER_REVOCATION
    assert flag.detail.startswith("Read after the grant was revoked on ")
    assert flag.copy.views == 2


def test_views_after_the_article_is_taken_down_are_flagged(grant, page, make_user):
    notices.create(
        grant.article_id,
        NoticeKind.TAKEDOWN,
        actor=make_user(),
        note="Withdrawn after a legal complaint.",
        record_reason="Letter from counsel.",
        now=T0,
    )
    _hit(grant, at=T0 + timedelta(minutes=5), referrer=page)
    pixels.flush(now=T0 + timedelta(minutes=5))
    (flag,) = db.session.scalars(sa.select(CopyFlag)).all()
    assert flag.kind is FlagKind.AFTER_REVOCATION


def test_a_hit_of_a_deleted_grant_is_dropped_and_the_rest_written(grant, make_grant, make_article):
    other = make_grant(grant.partner, make_article())
    _hit(grant, at=T0)
    _hit(other, at=T0)
    db.session.delete(other)
    db.session.commit()
    assert pixels.flush(now=T0) == 1
    assert db.session.scalar(sa.select(PixelHit.grant_id)) == grant.id


def test_no_hit_is_lost_when_the_flush_dies_before_writing(hit_buffer, grant, page):
    for n in range(25):
        _hit(grant, at=T0, referrer=page, addr=f"198.51.100.{n}")
    # A flush claims a batch and its worker is killed before it writes anything.
    died = hit_buffer.claim(10, T0.timestamp())
    assert len(died.records) == 10
    # The next flush writes what waits; the claimed batch is not yet given up on.
    assert pixels.flush(now=T0) == 15
    assert hit_buffer.waiting() == 10
    # Once its lease has run out, the batch is claimed again and written.
    lease = timedelta(seconds=pixels.current_app.config["PIXEL_BATCH_LEASE"])
    assert pixels.flush(now=T0 + lease) == 10
    assert hit_buffer.waiting() == 0
    assert _count(PixelHit) == 25
    assert db.session.get(DailyArticleViews, (grant.article_id, T0.date())).counted == 25


def test_no_hit_is_counted_twice_when_the_flush_dies_after_writing(hit_buffer, grant, page):
    for n in range(5):
        _hit(grant, at=T0, referrer=page, addr=f"198.51.100.{n}")
    # The batch was committed, and the worker killed before it told the buffer.
    batch = hit_buffer.claim(100, T0.timestamp())
    pixels._write(batch, T0)
    lease = timedelta(seconds=pixels.current_app.config["PIXEL_BATCH_LEASE"])
    assert pixels.flush(now=T0 + lease) == 0
    assert hit_buffer.waiting() == 0
    assert _count(PixelHit) == 5
    assert db.session.scalar(sa.select(Copy.views)) == 5
    assert db.session.get(PixelBatch, batch.id).hits == 5


def _record(app, grant, **hit) -> bytes:
    """The record the pixel buffers for this hit, made by the pixel itself into a buffer of its
    own: what a push that reached the buffer twice leaves there twice."""
    saved = app.extensions["pixel_buffer"]
    own = MemoryHitBuffer()
    app.extensions["pixel_buffer"] = (os.getpid(), own)
    try:
        _hit(grant, **hit)
    finally:
        app.extensions["pixel_buffer"] = saved
    return own.claim(1, 0.0).records[0]


def _counted_once(grant, page) -> None:
    domain = grant.partner.domains[0].domain
    assert _count(PixelHit) == 1
    for row in (
        db.session.get(DailyArticleViews, (grant.article_id, T0.date())),
        db.session.get(DailyPartnerViews, (grant.partner_id, T0.date())),
        db.session.get(DailyGrantViews, (grant.id, domain, T0.date())),
    ):
        assert (row.raw, row.counted) == (1, 1)
    copy = db.session.scalar(sa.select(Copy).where(Copy.url == page))
    assert (copy.raw_hits, copy.views) == (1, 1)


def test_a_hit_pushed_twice_is_written_once_in_one_batch_and_across_two(
    app, hit_buffer, grant, page
):
    """Each hit carries a key of its own, made as the pixel is hit: whatever reaches the
    buffer twice is written, and counted, once."""
    record = _record(app, grant, at=T0, referrer=page)
    hit_buffer.push(record)
    hit_buffer.push(record)
    assert hit_buffer.unclaimed() == 2
    assert pixels.flush(now=T0) == 1
    hit_buffer.push(record)  # once more, after the first was written
    assert pixels.flush(now=T0 + timedelta(minutes=1)) == 0
    assert hit_buffer.waiting() == 0
    _counted_once(grant, page)
    assert len(db.session.scalar(sa.select(PixelHit.hit_key))) == 32


def _reply_read(buffer: RedisHitBuffer) -> bytes:
    """The bare push just sent reached Redis: its reply is read here, as a settle would read
    it, and the record it pushed returned."""
    pusher = buffer._pusher()
    pusher.connection.read_response()
    record, pusher.unread = pusher.unread, None
    return record


def _reply_lost(buffer: RedisHitBuffer, record: bytes) -> None:
    """The connection goes before the buffer reads the reply to ``record``'s push: settling
    finds it gone and pushes the hit once more, on a new connection."""
    pusher = buffer._pusher()
    pusher.connection.send_command("CLIENT", "ID")
    buffer._redis.client_kill_filter(_id=pusher.connection.read_response())
    pusher.unread = record
    buffer.settle()


def test_a_hit_whose_reply_redis_lost_is_pushed_again_and_counted_once(redis_buffer, grant, page):
    """Redis had the push when the connection went, before its reply was read: the buffer
    cannot know, and pushes the hit again. The list then holds it twice, one batch."""
    _bare_pushes(redis_buffer)
    _hit(grant, at=T0, referrer=page)
    _reply_lost(redis_buffer, _reply_read(redis_buffer))
    assert redis_buffer.unclaimed() == 2
    assert pixels.flush(now=T0) == 1
    _counted_once(grant, page)


def test_a_hit_pushed_again_after_its_first_push_was_written_is_dropped(redis_buffer, grant, page):
    """The second push of a hit whose reply was lost may come after a flush wrote the first:
    the next batch finds its key already written."""
    _bare_pushes(redis_buffer)
    _hit(grant, at=T0, referrer=page)
    record = _reply_read(redis_buffer)
    assert pixels.flush(now=T0) == 1
    _reply_lost(redis_buffer, record)
    assert redis_buffer.unclaimed() == 1
    assert pixels.flush(now=T0 + timedelta(minutes=1)) == 0
    assert redis_buffer.waiting() == 0
    _counted_once(grant, page)


def test_a_record_buffered_before_hit_keys_is_written_as_before(hit_buffer, grant, page):
    """A record made before hits had keys (seven fields) is written with none, and never
    deduplicated: each such record is a hit, as it always was."""
    old = orjson.dumps([grant.id, T0.timestamp(), "f" * 64, page, CHROME, "", ""])
    hit_buffer.push(old)
    hit_buffer.push(old)
    assert pixels.flush(now=T0) == 2
    assert db.session.scalars(sa.select(PixelHit.hit_key)).all() == [None, None]
    verdicts = db.session.scalars(sa.select(PixelHit.verdict).order_by(PixelHit.id)).all()
    assert verdicts == [HitVerdict.COUNTED, HitVerdict.REPEAT]


def test_a_malformed_record_is_dropped_and_the_rest_of_its_batch_written(
    hit_buffer, grant, page, caplog
):
    """Six fields, or a key the table cannot hold, is no hit: logged, never a batch that
    fails on every retry."""
    fields = [grant.id, T0.timestamp(), "f" * 64, page, CHROME, "", ""]
    for bad in (fields[:6], [*fields, "k" * 33], [*fields, {"key": 1}]):
        hit_buffer.push(orjson.dumps(bad))
    _hit(grant, at=T0, referrer=page)
    assert pixels.flush(now=T0) == 1
    assert caplog.text.count("Dropped a malformed pixel hit") == 3


def test_a_reader_reloading_the_page_is_two_hits_however_alike(hit_buffer, grant, page):
    """Two hits alike in everything but their keys are two hits: both written and counted as
    hits (the reload, within the repeat window, is no second view)."""
    _hit(grant, at=T0, referrer=page)
    _hit(grant, at=T0, referrer=page)
    assert pixels.flush(now=T0) == 2
    keys = db.session.scalars(sa.select(PixelHit.hit_key)).all()
    assert len(set(keys)) == 2 and None not in keys
    day = db.session.get(DailyArticleViews, (grant.article_id, T0.date()))
    assert (day.raw, day.counted) == (2, 1)
    copy = db.session.scalar(sa.select(Copy))
    assert (copy.raw_hits, copy.views) == (2, 1)


def test_the_database_holds_one_raw_hit_per_key(grant):
    """The unique index under the flush's check: a second row under a key is refused (the
    batch's transaction fails, and its retry finds the key written)."""
    row = {"grant_id": grant.id, "created_at": T0, "hit_key": "0" * 32}
    db.session.execute(
        sa.insert(PixelHit), [row, {**row, "hit_key": None}, {**row, "hit_key": None}]
    )
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.insert(PixelHit), [row])


def test_a_flush_that_dies_after_writing_its_raw_hits_leaves_none_and_the_batch_counts_once(
    hit_buffer, grant, page
):
    """The raw hits (a COPY on PostgreSQL) are in the batch's transaction: a flush that dies
    before it commits leaves no row, and the batch, claimed again, is written once."""
    for n in range(5):
        _hit(grant, at=T0, referrer=page, addr=f"198.51.100.{n}")

    def killed(*_):
        raise RuntimeError("the worker is killed before the commit")

    sa.event.listen(PixelBatch, "before_insert", killed, once=True)
    with pytest.raises(RuntimeError):
        pixels.flush(now=T0)
    db.session.rollback()
    assert _count(PixelHit) == 0 and hit_buffer.waiting() == 5
    lease = timedelta(seconds=pixels.current_app.config["PIXEL_BATCH_LEASE"])
    assert pixels.flush(now=T0 + lease) == 5
    assert pixels.flush(now=T0 + 2 * lease) == 0
    assert _count(PixelHit) == 5
    assert db.session.get(DailyArticleViews, (grant.article_id, T0.date())).counted == 5


def test_raw_hits_are_stored_as_an_insert_stores_them_awkward_text_included(grant):
    """On PostgreSQL a batch's raw hits go in by COPY, elsewhere by INSERT: either way every
    column reads back as the ORM's INSERT of the same hit stores it."""
    referrers = ['https://x.example/a\tb\\c\nd?q="é"&r=\\N', "", "\\N", "ünïcode ✓ ,;|"]
    verdicts = ["counted", "bot", "repeat", "preview"]
    keys = ["0" * 32, None, "f" * 32, "0123456789abcdef" * 2]
    rows = [
        (grant.id, T0 + timedelta(seconds=n, microseconds=123457), ref, f"{n:064x}", ref, "x", v, k)
        for n, (ref, v, k) in enumerate(zip(referrers, verdicts, keys, strict=True))
    ]
    columns = [getattr(PixelHit, name) for name in pixels._HIT_COLUMNS]

    def stored() -> list[tuple]:
        found = db.session.execute(sa.select(*columns).order_by(PixelHit.id)).all()
        db.session.execute(sa.delete(PixelHit))
        return [tuple(row) for row in found]

    pixels._insert_hits(rows)
    copied = stored()
    db.session.execute(
        sa.insert(PixelHit),
        [
            {**dict(zip(pixels._HIT_COLUMNS, row, strict=True)), "verdict": HitVerdict(row[6])}
            for row in rows
        ],
    )
    assert copied == stored()
    assert [row[2] for row in copied] == referrers
    assert [row[1] for row in copied] == [row[1] for row in rows]
    assert [row[6] for row in copied] == [HitVerdict(v) for v in verdicts]
    assert [row[7] for row in copied] == keys


def test_written_batch_ids_are_forgotten_after_a_day(hit_buffer, grant):
    _hit(grant, at=T0)
    pixels.flush(now=T0)
    assert pixels.prune_batches(T0 + timedelta(hours=23)) == 0
    assert pixels.prune_batches(T0 + timedelta(days=1, seconds=1)) == 1


def test_a_flush_writes_what_waited_as_it_began_and_leaves_later_hits_to_the_next(
    hit_buffer, grant, page
):
    """Under steady load a flush ends with the hits it found, in full batches: one that
    arrives while it writes (here as its first batch is recorded) waits for the next."""
    for n in range(25):
        _hit(grant, at=T0, referrer=page, addr=f"198.51.100.{n}")

    def another_reader(*_):
        _hit(grant, at=T0, referrer=page, addr="203.0.113.99")

    sa.event.listen(PixelBatch, "after_insert", another_reader, once=True)
    assert pixels.flush(now=T0, limit=10) == 25
    assert _count(PixelBatch) == 3  # 10, 10 and 5
    assert hit_buffer.unclaimed() == 1 and hit_buffer.waiting() == 1
    assert pixels.flush(now=T0) == 1
    assert _count(PixelHit) == 26 and hit_buffer.waiting() == 0


def test_the_worker_flushes_when_hits_arrive_on_redis(app, redis_buffer, worker, grant, page):
    """On Redis, the first hit of a second asks the queue for a flush a second later."""
    app.config["PIXEL_BUFFER_URL"] = "redis://buffer"  # any Redis URL: the buffer is set
    try:
        _hit(grant, at=T0, referrer=page)
        _hit(grant, at=T0, referrer=page, addr="198.51.100.5")
    finally:
        app.config["PIXEL_BUFFER_URL"] = "memory://"
    # The queue keeps naive UTC times.
    assert worker.drain(now=datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=2)) == 1
    assert _count(PixelHit) == 2


def test_the_flush_asked_for_is_due_a_second_after_its_flag_was_set_not_after_the_hit(
    app, redis_buffer, worker, grant, page
):
    """The flush must begin once the flag saying it was asked for has run out, so that every
    hit pushed under the flag waits for it: it is timed from after the push that set the
    flag, whenever the request itself began (here a day before)."""
    app.config["PIXEL_BUFFER_URL"] = "redis://buffer"  # any Redis URL: the buffer is set
    before = datetime.now(UTC).replace(tzinfo=None)  # the queue keeps naive UTC times
    try:
        _hit(grant, at=T0, referrer=page)
    finally:
        app.config["PIXEL_BUFFER_URL"] = "memory://"
    worker.drain(now=T0.replace(tzinfo=None) + timedelta(seconds=2))
    assert _count(PixelHit) == 0  # not due then: the worker put it back in the schedule
    (flush,) = queue_of(app).scheduled()
    assert flush.eta >= before + timedelta(seconds=FLUSH_ASKED_FOR)


def test_a_web_process_asks_redis_about_the_flush_once_per_flag_and_pushes_bare_hits_between():
    """The flag that a flush was asked for is read once, with its time to live; until it runs
    out the process pushes bare hits, and another process learns the same from the flag."""
    prefix = f"tests-{os.getpid()}-{uuid.uuid4().hex}:pixel"
    clocks = {"a": 100.0, "b": 500.0}
    a, b = (
        RedisHitBuffer(_redis_url(), prefix, clock=lambda name=name: clocks[name])
        for name in ("a", "b")
    )
    try:
        assert a.push(b"1") is True  # sets the flag: the caller asks for a flush
        flag = f"{prefix}:flush-asked"
        assert 0 < a._redis.pttl(flag) <= 1000
        a._redis.delete(flag)  # the flag gone: this process still knows a flush comes
        assert a.push(b"2") is False
        assert b.push(b"3") is True  # another process sees no flag: it asks
        a._redis.pexpire(flag, 60_000)  # however slow this test runs, the flag stands
        assert a.push(b"4") is False
        clocks["a"] += 1.0  # the second a asked for has passed
        assert a.push(b"5") is False  # b's flag stands: b's flush is coming
        a._redis.delete(flag)
        clocks["a"] += 60.0  # past the flag's life as a read it
        assert a.push(b"6") is True
        assert a.waiting() == 6
    finally:
        a.clear()


def test_runs_sharing_a_redis_db_keep_their_tasks_and_hits_apart():
    """The suite's processes share the Redis dbs they are given, told apart by their queue
    names (tests/conftest.py): emptying one's queue and hit buffer leaves the other's."""
    url = _redis_url()
    names = [f"tests-{os.getpid()}-{uuid.uuid4().hex}" for _ in range(2)]
    queues = [make_queue(url, name=name) for name in names]
    buffers = [make_buffer(url, prefix=f"{name}:pixel") for name in names]
    try:
        for queue, buf in zip(queues, buffers, strict=True):
            queue.storage.enqueue(b"now")
            queue.storage.add_to_schedule(b"later", datetime(2099, 1, 1))
            buf.push(b"hit")
            buf.settle()
        queues[0].flush()
        buffers[0].clear()
        left = [
            (q.pending_count(), q.scheduled_count(), b.unclaimed())
            for q, b in zip(queues, buffers, strict=True)
        ]
        assert left == [(0, 0, 0), (1, 1, 1)]
    finally:
        queues[1].flush()
        buffers[1].clear()


def test_a_bare_push_to_a_redis_that_is_gone_says_so():
    """Between two looks at the flag, a hit that cannot be pushed is reported, not dropped
    in silence (the pixel logs it and still answers)."""
    gone = RedisHitBuffer("redis://127.0.0.1:1/0", "x", clock=lambda: 0.0)
    gone._covered_until = 1.0  # a flush was asked for: the next push is a bare RPUSH
    with pytest.raises(Unavailable):
        gone.push(b"1")


def _bare_pushes(buffer: RedisHitBuffer) -> RedisHitBuffer:
    buffer._covered_until = float("inf")  # a flush was asked for: every push is a bare RPUSH
    return buffer


def test_a_bare_push_is_sent_without_its_reply_and_in_the_list_before_this_threads_claim():
    """The reply of a bare push is read after the pixel answers (or before this thread's next
    use of the buffer): the hit is there for a flush, and none is pushed twice."""
    buffer = _bare_pushes(_redis_buffer())
    try:
        assert buffer.push(b"1") is False
        assert buffer._pusher().unread == b"1"  # sent, the reply still to read
        buffer.push(b"2")  # reads the first one's reply, then sends
        assert buffer._pusher().unread == b"2"
        batch = buffer.claim(10, 0.0)
        assert batch.records == [b"1", b"2"] and buffer._pusher().unread is None
        buffer.push(b"3")
        buffer.settle()
        assert buffer._pusher().unread is None and buffer.unclaimed() == 1
    finally:
        buffer.clear()


def test_a_hit_pushed_on_a_connection_the_server_closed_is_pushed_again_once():
    """Redis restarted, or closed the idle connection: the hit sent on it never arrived, and
    settling it pushes it again on a new connection; the list has each hit once."""
    buffer = _bare_pushes(_redis_buffer())
    try:
        buffer.push(b"1")
        buffer.settle()
        connection = buffer._pusher().connection
        connection.send_command("CLIENT", "ID")
        buffer._redis.client_kill_filter(_id=connection.read_response())
        buffer.push(b"2")
        buffer.settle()
        buffer.push(b"3")
        buffer.settle()
        assert buffer.claim(10, 0.0).records == [b"1", b"2", b"3"]
    finally:
        buffer.clear()


def test_a_hit_redis_refuses_is_reported_by_the_settle_and_the_pixel_logs_it(
    app, client, redis_buffer, grant, caplog
):
    """An error reply (here the list's key holding a string) comes after the reader has the
    GIF: the settle, run as the response closes, logs the hit that was not buffered."""
    _bare_pushes(redis_buffer)
    redis_buffer._redis.set(redis_buffer._waiting, b"not a list")
    response = client.get(pixels.pixel_url(grant.id).removeprefix("http://localhost"))
    assert response.status_code == 200 and response.data == pixels.PIXEL_GIF
    assert "not buffered" not in caplog.text  # sent, its reply not read yet
    response.close()  # as the WSGI server does once the answer is written
    assert "A pixel hit was not buffered" in caplog.text and "WRONGTYPE" in caplog.text
    redis_buffer._redis.delete(redis_buffer._waiting)
    redis_buffer.push(b"next")
    redis_buffer.settle()
    assert redis_buffer.unclaimed() == 1


def test_a_dead_batch_is_looked_at_again_once_per_lease_whoever_asks(hit_buffer, grant):
    """The flush task asks for one re-check per lease while batches stay claimed."""
    _hit(grant, at=T0)
    hit_buffer.claim(10, T0.timestamp())
    assert hit_buffer.claimed() == 1
    assert hit_buffer.once("recheck", 30, T0.timestamp())
    assert not hit_buffer.once("recheck", 30, T0.timestamp() + 1)
    lease = timedelta(seconds=pixels.current_app.config["PIXEL_BATCH_LEASE"])
    pixels.flush(now=T0 + lease)
    assert hit_buffer.claimed() == 0


def test_the_pixel_still_answers_when_redis_is_down(app, client, grant):
    """Nothing listens on port 1: the hit cannot be buffered, the reader still gets the GIF."""
    saved = app.extensions.get("pixel_buffer")
    app.extensions["pixel_buffer"] = (os.getpid(), RedisHitBuffer("redis://127.0.0.1:1/0", "x"))
    try:
        response = client.get(pixels.pixel_url(grant.id).removeprefix("http://localhost"))
    finally:
        app.extensions["pixel_buffer"] = saved
    assert response.status_code == 200 and response.data == pixels.PIXEL_GIF
