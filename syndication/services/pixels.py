"""The tracking pixel: a signed URL per grant; hits buffered, then written in batches.

The pixel's request only checks the token, hashes the reader's address with
the day's salt and pushes the hit to the buffer (services/hit_buffer.py): no
database. :func:`flush` (the ``tracking.flush_hits`` task in production, a
thread of the web process with the embedded buffer) writes the hits in batches,
each in one transaction: the raw hits with their verdicts
(tracking/classify.py), the daily roll-ups the reports and holder lists read,
the copies found from the referrers with their first and last sighting, and
the flags staff must look at (a copy on a domain that is not the partner's, a
copy read after its grant was revoked or its article taken down).

Each hit carries a random key made as the pixel is hit, and the flush writes a
key once: a hit that reaches the buffer twice (its push sent again after the
connection was lost with the reply: ``RedisHitBuffer.settle`` in
services/hit_buffer.py) is one row, one view.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import sqlalchemy as sa
from cachetools import LRUCache
from flask import Flask, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

from syndication.extensions import db
from syndication.models import (
    Article,
    Copy,
    CopyFlag,
    DailyArticleViews,
    DailyDomainViews,
    DailyGrantViews,
    DailyPartnerViews,
    DailyTotalViews,
    FlagKind,
    Grant,
    HitVerdict,
    Partner,
    PartnerDomain,
    PixelBatch,
    PixelHit,
)
from syndication.models.base import utcnow
from syndication.services import mail, upsert, view_months
from syndication.services.hit_buffer import (
    BATCH_SIZE,
    FLUSH_ASKED_FOR,
    Batch,
    HitBuffer,
    Unavailable,
    make_buffer,
)
from syndication.tracking import classify, pages

PIXEL_SALT = "tracking-pixel"
# The smallest transparent GIF: 1x1, one colour.
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
FLUSH_TASK = "tracking.flush_hits"
# Written batch ids are kept this long: far beyond any lease, so a re-claimed batch is known.
BATCH_MEMORY = timedelta(days=1)
# Any number: flushes on PostgreSQL take this transaction-level lock, so repeats are
# judged against every hit written before, and keys looked for among every key written
# before (two flushes never interleave). SQLite has one writer at a time, and refuses
# the write of a transaction that read before another's commit: the flush fails, and
# its batch, claimed again, finds what the other wrote.
_FLUSH_LOCK = 0x5059_4C48


def _serializer() -> URLSafeSerializer:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    serializer = app.extensions.get("pixel_serializer")
    if serializer is None:
        serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt=PIXEL_SALT)
        app.extensions["pixel_serializer"] = serializer
    return serializer


@dataclass(frozen=True, slots=True)
class _PixelSigner:
    """What every pixel URL of this app shares, worked out once: the serializer's derived
    key in an HMAC ready to copy, and the URL around the token."""

    secret: object
    base: str
    mac: hmac.HMAC
    head: str
    tail: str


# Stands for the token while the URL around it is built: URL-safe, so never quoted.
_TOKEN_MARK = "PIXELTOKEN"


def _pixel_signer() -> _PixelSigner:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    secret, base = app.config["SECRET_KEY"], app.config["PUBLIC_BASE_URL"]
    found = app.extensions.get("pixel_signer")
    if found is None or found.secret is not secret or found.base != base:
        serializer = _serializer()
        signer = serializer.make_signer(serializer.salt)
        head, tail = mail.external_url("public.pixel", token=_TOKEN_MARK).split(_TOKEN_MARK)
        mac = hmac.new(signer.derive_key(), digestmod=signer.digest_method)
        found = app.extensions["pixel_signer"] = _PixelSigner(secret, base, mac, head, tail)
    return found


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pixel_url(grant_id: int) -> str:
    """The absolute URL of a grant's pixel under PUBLIC_BASE_URL; one signed token per grant.

    Every package carries one, so it is built by hand rather than through the
    serializer and the URL map (most of reading a package's inputs): the same
    token ``_serializer().dumps(grant_id)`` makes, which :func:`_grant_of` checks.
    """
    found = _pixel_signer()
    # The serializer's payload of an int: its compact JSON, base64 without padding.
    payload = _b64(str(int(grant_id)).encode()).encode("ascii")
    mac = found.mac.copy()
    mac.update(payload)
    token = f"{payload.decode('ascii')}.{_b64(mac.digest())}"
    return f"{found.head}{token}{found.tail}"


def _grant_of(token: str) -> int | None:
    """The grant a pixel token names; None when forged. Checked tokens are remembered:
    a page's readers all send the same one, and checking the signature is the slow part."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    known: LRUCache = app.extensions.setdefault("pixel_tokens", LRUCache(maxsize=10_000))
    grant_id = known.get(token)
    if grant_id is None:
        try:
            grant_id = _serializer().loads(token)
        except BadSignature:
            return None
        if not isinstance(grant_id, int):
            return None
        known[token] = grant_id
    return grant_id


def buffer(app: Flask | None = None) -> HitBuffer:
    """This app's hit buffer (one per process; Redis connections are made after a fork)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("pixel_buffer")
    if found is None or found[0] != os.getpid():
        made = make_buffer(
            app.config["PIXEL_BUFFER_URL"], prefix=f"{app.config['TASK_QUEUE_NAME']}:pixel"
        )
        found = app.extensions["pixel_buffer"] = (os.getpid(), made)
    return found[1]


def visitor_hash(buf: HitBuffer, remote_addr: str, user_agent: str, now: datetime) -> str:
    """Tells readers apart for a day: the address never leaves this function.

    The salt is random and changes every UTC day, and is forgotten after two:
    once it is gone, not even someone holding the database and the secret key
    can test an address against a hash.
    """
    salt = buf.salt(now.astimezone(UTC).date())
    return hashlib.sha256(salt + f"|{remote_addr}|{user_agent}".encode()).hexdigest()


def record_hit(
    token: str,
    *,
    referrer: str,
    remote_addr: str,
    user_agent: str,
    purpose: str = "",
    sec_purpose: str = "",
    now: datetime | None = None,
) -> bool:
    """Buffer one hit of a grant's pixel; False for a forged token. No database here.

    On Redis the hit may still be on its way: :func:`settle_after` has the answer's
    close confirm it (else this thread's next use of the buffer does). The record ends
    with the hit's key, 16 random bytes in hex, by which the flush writes it once
    however often it was pushed."""
    grant_id = _grant_of(token)
    if grant_id is None:
        return False
    now = now or utcnow()
    buf = buffer()
    try:
        record = orjson.dumps(
            [
                grant_id,
                now.timestamp(),
                visitor_hash(buf, remote_addr, user_agent, now),
                referrer[:2000],
                user_agent[:512],
                purpose[:64],
                sec_purpose[:64],
                os.urandom(16).hex(),
            ]
        )
        first = buf.push(record)
    except Unavailable:
        # The reader still gets the image; the hit is lost, and the log says so.
        current_app.logger.exception("Pixel hit of grant %s not buffered", grant_id)
        return False
    if first:
        _ask_for_flush()
    return True


def settle_after(response: Response) -> Response:
    """Have the buffer confirm the request's hit once ``response`` has gone to the reader.

    A Redis buffer sends the hit before the pixel answers and reads Redis's reply
    after the answer (the WSGI server closes the response once it has written it):
    by then the reply is there, and the reader never waited for it.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    buf = buffer(app)

    def settle() -> None:
        try:
            buf.settle()
        except Unavailable:
            app.logger.exception("A pixel hit was not buffered")

    response.call_on_close(settle)
    return response


def _ask_for_flush() -> None:
    """At most once a second: a flush task a second from now, or the in-process flusher.

    "Now" is after the push that set the flag saying a flush was asked for: the flush
    so begins once the flag has run out, when every hit pushed under it is waiting
    (the flush writes those and no later ones), however long the request took to get
    there (its own time, the hit's, may be well before).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["PIXEL_BUFFER_URL"] == "memory://":
        _start_flusher(app)
        return
    from syndication import tasks

    try:
        eta = utcnow() + timedelta(seconds=FLUSH_ASKED_FOR)
        tasks.enqueue(app, FLUSH_TASK, eta=eta)
    except Exception:
        # The hit is buffered: the minute's periodic flush writes it.
        app.logger.exception("Could not ask for a pixel flush; the periodic one will")


_flusher_lock = threading.Lock()


def _start_flusher(app: Flask) -> None:
    """The embedded buffer's flusher: a thread of this process, once a second."""
    interval = app.config["PIXEL_FLUSH_INTERVAL"]
    if interval <= 0 or app.extensions.get("pixel_flusher") == os.getpid():
        return
    with _flusher_lock:
        if app.extensions.get("pixel_flusher") == os.getpid():
            return
        app.extensions["pixel_flusher"] = os.getpid()
        threading.Thread(
            target=_flush_forever, args=(app, interval), name="pixel-flush", daemon=True
        ).start()


def _flush_forever(app: Flask, interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                flush()
        except Exception:
            app.logger.exception("Pixel flush failed; its hits stay buffered and are retried")


# --- the flush ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    grant_id: int
    at: datetime
    visitor: str
    referrer: str
    request: classify.Request
    # None for a record buffered before hits had keys: such a hit is never taken for another.
    key: str | None


# A hit key's length in the table (record_hit makes 32 hex digits).
_KEY_LENGTH = PixelHit.hit_key.type.length


def _decode(record: bytes) -> _Hit | None:
    try:
        fields = orjson.loads(record)
        # Seven fields before hits had keys (records may still wait in a buffer), eight since.
        if len(fields) == 7:
            fields = [*fields, None]
        grant_id, at, visitor, referrer, agent, purpose, sec_purpose, key = fields
        if key is not None and not (isinstance(key, str) and len(key) <= _KEY_LENGTH):
            raise ValueError("not a hit key")
        return _Hit(
            int(grant_id),
            datetime.fromtimestamp(float(at), UTC),
            str(visitor),
            str(referrer),
            classify.Request(str(agent), str(referrer), str(purpose), str(sec_purpose)),
            key,
        )
    except (ValueError, TypeError, orjson.JSONDecodeError):
        current_app.logger.warning("Dropped a malformed pixel hit: %r", record[:200])
        return None


def flush(*, now: datetime | None = None, limit: int = BATCH_SIZE) -> int:
    """Write the buffered hits, batch by batch; returns how many hits were written.

    First the batches whose flush died (claimed longer ago than
    ``PIXEL_BATCH_LEASE`` seconds and never acknowledged), then the hits that
    wait as it begins, and not those that come in meanwhile: each of those was
    pushed under a request for a flush still to come (or the minute's sweep
    writes it). A flush under steady load so ends with what it found, in batches
    as large as that, rather than chase the newest hits a few at a time, each
    handful paying a whole batch's statements.
    """
    now = now or utcnow()
    buf = buffer()
    lease = float(current_app.config["PIXEL_BATCH_LEASE"])
    written = 0
    while (batch := buf.reclaim(now.timestamp(), lease)) is not None:
        written += _write(batch, now)
        buf.ack(batch.id)
    left = buf.unclaimed()
    while left > 0 and (batch := buf.claim(min(limit, left), now.timestamp())) is not None:
        left -= len(batch.records)
        written += _write(batch, now)
        buf.ack(batch.id)
    return written


def prune_batches(now: datetime | None = None) -> int:
    """Forget written batch ids older than :data:`BATCH_MEMORY`."""
    now = now or utcnow()
    gone = db.session.execute(
        sa.delete(PixelBatch).where(PixelBatch.written_at < now - BATCH_MEMORY)
    ).rowcount
    db.session.commit()
    return gone


@dataclass(frozen=True, slots=True)
class _GrantFacts:
    article_id: int
    partner_id: int
    partner_name: str
    # Views from this moment on are of a copy that should be gone.
    ended_at: datetime | None
    ended_why: str


def _grant_facts(grant_ids: set[int]) -> dict[int, _GrantFacts]:
    rows = db.session.execute(
        sa.select(
            Grant.id,
            Grant.article_id,
            Grant.partner_id,
            Partner.name,
            Grant.revoked_at,
            Article.withdrawn_at,
        )
        .join(Article, Article.id == Grant.article_id)
        .join(Partner, Partner.id == Grant.partner_id)
        .where(Grant.id.in_(grant_ids))
    ).all()
    facts = {}
    for grant_id, article_id, partner_id, name, revoked_at, withdrawn_at in rows:
        ends = [(t, why) for t, why in ((revoked_at, "revoked"), (withdrawn_at, "taken down")) if t]
        ended_at, why = min(ends) if ends else (None, "")
        facts[grant_id] = _GrantFacts(article_id, partner_id, name, ended_at, why)
    return facts


def _last_counted(hits: list[_Hit], keys: list[classify.ViewKey]) -> dict:
    """Each visitor's latest counted view, per grant and page, within the repeat window."""
    visitors = {key[1] for key in keys}
    if not visitors:
        return {}
    since = min(hit.at for hit in hits) - classify.REPEAT_WINDOW
    rows = db.session.execute(
        sa.select(
            PixelHit.grant_id,
            PixelHit.visitor_hash,
            PixelHit.page_url,
            sa.func.max(PixelHit.created_at),
        )
        .where(
            PixelHit.visitor_hash.in_(visitors),
            PixelHit.created_at >= since,
            PixelHit.verdict == HitVerdict.COUNTED,
        )
        .group_by(PixelHit.grant_id, PixelHit.visitor_hash, PixelHit.page_url)
    ).all()
    return {(g, v, p): at for g, v, p, at in rows}


def _unwritten(hits: list[_Hit]) -> list[_Hit]:
    """Each hit once: those whose key is already written, by an earlier batch or earlier in
    this one, are dropped (a hit pushed again after its reply was lost). One query on the
    keys' unique index; in the flush's transaction, under its lock on PostgreSQL, so no
    other flush can write one of these keys between this look and the insert."""
    keys = {hit.key for hit in hits if hit.key is not None}
    if not keys:
        return hits
    seen = set(db.session.scalars(sa.select(PixelHit.hit_key).where(PixelHit.hit_key.in_(keys))))
    unwritten = []
    for hit in hits:
        if hit.key is not None:
            if hit.key in seen:
                continue
            seen.add(hit.key)
        unwritten.append(hit)
    return unwritten


def _write(batch: Batch, now: datetime) -> int:
    """One batch in one transaction, recorded under its id so it is written only once, each
    of its hits once (:func:`_unwritten`) before anything is counted."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_FLUSH_LOCK)))
    if db.session.get(PixelBatch, batch.id) is not None:
        # Written by a flush that died before it could acknowledge the batch.
        db.session.rollback()
        return 0
    decoded = _unwritten([hit for hit in map(_decode, batch.records) if hit is not None])
    facts = _grant_facts({hit.grant_id for hit in decoded})
    # A hit of a grant deleted since is dropped; the rest in the order they came.
    hits = sorted((h for h in decoded if h.grant_id in facts), key=lambda h: h.at)
    first = [classify.verdict(hit.request) for hit in hits]
    found = [pages.normalise(hit.referrer) for hit in hits]
    keys = [(h.grant_id, h.visitor, p.url) for h, p in zip(hits, found, strict=True)]
    repeats = classify.Repeats(
        _last_counted(hits, [k for k, v in zip(keys, first, strict=True) if v == "counted"])
    )
    verdicts = [
        repeats.judge(key, hit.at, verdict)
        for key, hit, verdict in zip(keys, hits, first, strict=True)
    ]
    if hits:
        _insert_hits(
            [
                (
                    hit.grant_id,
                    hit.at,
                    hit.referrer[:1000],
                    hit.visitor,
                    page.url,
                    page.domain,
                    v,
                    hit.key,
                )
                for hit, page, v in zip(hits, found, verdicts, strict=True)
            ]
        )
        _roll_up(hits, found, verdicts, facts)
        _copies(hits, found, verdicts, facts, now)
    db.session.add(PixelBatch(id=batch.id, written_at=now, hits=len(hits)))
    db.session.commit()
    return len(hits)


# The raw hits' columns, in the order _insert_hits is given them (the id is the table's).
_HIT_COLUMNS = (
    "grant_id",
    "created_at",
    "referrer",
    "visitor_hash",
    "page_url",
    "domain",
    "verdict",
    "hit_key",
)


def _insert_hits(rows: list[tuple]) -> None:
    """A batch's raw hits, in the session's transaction: on PostgreSQL one COPY (a fraction
    of the server's and the driver's work per row of an INSERT per hit), elsewhere one
    executemany INSERT. Rows hold UTC datetimes and the verdicts' values, as stored."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(
            PixelHit.__table__.insert(), [dict(zip(_HIT_COLUMNS, row, strict=True)) for row in rows]
        )
        return
    driver = db.session.connection().connection.driver_connection
    columns = ", ".join(_HIT_COLUMNS)
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {PixelHit.__tablename__} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _roll_up(hits, found, verdicts, facts: dict[int, _GrantFacts]) -> None:
    """Add the batch to the daily roll-ups: per grant and domain, article, partner, domain,
    and the day's total."""
    per_grant: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    per_article: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    per_partner: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    per_domain: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    per_total: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for hit, page, verdict in zip(hits, found, verdicts, strict=True):
        day = hit.at.date()
        grant = facts[hit.grant_id]
        counted = int(verdict == classify.COUNTED)
        for table, key in (
            (per_grant, (hit.grant_id, page.domain, day)),
            (per_article, (grant.article_id, day)),
            (per_partner, (grant.partner_id, day)),
            (per_domain, (page.domain, day)),
            (per_total, (day,)),
        ):
            table[key][0] += 1
            table[key][1] += counted
    _add_up(
        DailyGrantViews,
        ("grant_id", "domain", "day"),
        [
            {
                "grant_id": g,
                "domain": d,
                "day": day,
                "article_id": facts[g].article_id,
                "partner_id": facts[g].partner_id,
                "raw": raw,
                "counted": counted,
            }
            for (g, d, day), (raw, counted) in sorted(per_grant.items())
        ],
    )
    for model, name, table in (
        (DailyArticleViews, "article_id", per_article),
        (DailyPartnerViews, "partner_id", per_partner),
        (DailyDomainViews, "domain", per_domain),
    ):
        _add_up(
            model,
            (name, "day"),
            [
                {name: key, "day": day, "raw": raw, "counted": counted}
                for (key, day), (raw, counted) in sorted(table.items())
            ],
        )
    _add_up(
        DailyTotalViews,
        ("day",),
        [
            {"day": day, "raw": raw, "counted": counted}
            for (day,), (raw, counted) in sorted(per_total.items())
        ],
    )
    # The months these days fall in must be folded (again) before reports read them whole.
    view_months.note_changes(day for _, _, day in per_grant)


def _add_up(model, keys: tuple[str, ...], rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding the counts (SQLite and PostgreSQL alike)."""
    if rows:
        db.session.execute(upsert.adding(model.__table__, keys, ("raw", "counted")), rows)


def _copies(hits, found, verdicts, facts: dict[int, _GrantFacts], now: datetime) -> None:
    """Copies found from the referrers, their counts and sightings, and their flags.

    A hit from inside a CMS preview names no published copy. Every other hit
    does, a bot's included (a crawler found the page); only counted views count
    as its views, and only those can show it is still read after revocation.
    """
    seen: dict[tuple[int, str], dict] = {}
    late: dict[tuple[int, str], int] = defaultdict(int)
    for hit, page, verdict in zip(hits, found, verdicts, strict=True):
        if not page.url or verdict == classify.PREVIEW:
            continue
        grant = facts[hit.grant_id]
        key = (hit.grant_id, page.url)
        copy = seen.get(key)
        if copy is None:
            copy = seen[key] = {
                "grant_id": hit.grant_id,
                "article_id": grant.article_id,
                "partner_id": grant.partner_id,
                "url": page.url,
                "domain": page.domain,
                "first_seen_at": hit.at,
                "last_seen_at": hit.at,
                "raw_hits": 0,
                "views": 0,
                "created_at": now,
            }
        copy["last_seen_at"] = hit.at
        copy["raw_hits"] += 1
        if verdict == classify.COUNTED:
            copy["views"] += 1
            if grant.ended_at is not None and hit.at >= grant.ended_at:
                late[key] += 1
    if not seen:
        return
    ids = {
        (grant_id, url): copy_id
        for copy_id, grant_id, url in db.session.execute(
            upsert.built_once("pixels: copies seen", _copies_seen),
            [seen[key] for key in sorted(seen)],
        )
    }
    _raise_flags(seen, ids, late, facts)


def _copies_seen():
    """The copies' upsert: counts added, first and last sightings widened; their ids back."""
    table = Copy.__table__
    statement = upsert.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.grant_id, table.c.url],
        set_={
            "raw_hits": table.c.raw_hits + statement.excluded.raw_hits,
            "views": table.c.views + statement.excluded.views,
            "first_seen_at": sa.case(
                (table.c.first_seen_at.is_(None), statement.excluded.first_seen_at),
                (
                    statement.excluded.first_seen_at < table.c.first_seen_at,
                    statement.excluded.first_seen_at,
                ),
                else_=table.c.first_seen_at,
            ),
            "last_seen_at": sa.case(
                (table.c.last_seen_at.is_(None), statement.excluded.last_seen_at),
                (
                    statement.excluded.last_seen_at > table.c.last_seen_at,
                    statement.excluded.last_seen_at,
                ),
                else_=table.c.last_seen_at,
            ),
        },
    ).returning(table.c.id, table.c.grant_id, table.c.url)


def _raise_flags(seen: dict, ids: dict, late: dict, facts: dict[int, _GrantFacts]) -> None:
    grant_ids = {grant_id for grant_id, _ in seen}
    partner_domains: dict[int, set[str]] = defaultdict(set)
    for partner_id, domain in db.session.execute(
        sa.select(PartnerDomain.partner_id, PartnerDomain.domain).where(
            PartnerDomain.partner_id.in_({facts[g].partner_id for g in grant_ids})
        )
    ):
        partner_domains[partner_id].add(pages.domain_of(domain))
    flags = []
    for key, copy in seen.items():
        grant = facts[key[0]]
        domains = frozenset(partner_domains[grant.partner_id])
        if not pages.is_on(copy["domain"], domains):
            listed = ", ".join(sorted(domains)) or "none"
            flags.append(
                {
                    "copy_id": ids[key],
                    "kind": FlagKind.UNKNOWN_DOMAIN,
                    "detail": f"{copy['domain']} is not one of {grant.partner_name}'s domains"
                    f" ({listed}).",
                }
            )
        if late.get(key):
            when = grant.ended_at.strftime("%Y-%m-%d %H:%M UTC")
            flags.append(
                {
                    "copy_id": ids[key],
                    "kind": FlagKind.AFTER_REVOCATION,
                    "detail": f"Read after the grant was {grant.ended_why} on {when}.",
                }
            )
    if flags:
        db.session.execute(
            upsert.built_once("pixels: flags raised", _flags_raised),
            sorted(flags, key=lambda f: (f["copy_id"], f["kind"])),
        )


def _flags_raised():
    table = CopyFlag.__table__
    return upsert.insert(table).on_conflict_do_nothing(
        index_elements=[table.c.copy_id, table.c.kind]
    )
