"""The partner API's routes: who the key is, the catalogue, requests, grants, notices."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import timedelta

from flask import abort, current_app, g, request
from flask_openapi3 import Tag

from syndication.links import absolute_url
from syndication.models import (
    Article,
    ArticleRequest,
    Grant,
    Notice,
    NoticeDelivery,
    NoticeKind,
    Partner,
    PartnerStatus,
    WebhookDelivery,
)
from syndication.models.base import utcnow
from syndication.services import (
    apikeys,
    articles,
    downloads,
    grants,
    notices,
    partners,
    rulesets,
    search,
    webhooks,
)
from syndication.views.api import bp
from syndication.views.api import schemas as s
from syndication.views.downloads import package_response, url_root

CATALOGUE = Tag(name="catalogue", description="Articles you may take")
LICENSING = Tag(name="licensing", description="Requests, grants and packages")
NOTICES = Tag(name="notices", description="Corrections and takedowns, webhooks")


@bp.before_request
def authenticate_key() -> None:
    if request.endpoint == "api.openapi_document":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, "Send your API key as 'Authorization: Bearer <key>'.")
    key = apikeys.authenticate(secret.strip())
    if key is None:
        abort(401, "This API key is not valid or has been revoked.")
    if key.partner_status is not PartnerStatus.APPROVED:
        abort(403, f"Your partnership is {key.partner_status.value}; the API is closed to it.")
    g.api_key_id = key.key_id
    g.partner_id = key.partner_id


def _partner() -> Partner:
    """The calling key's partner, loaded on first use (a package download never needs it)."""
    if "partner" not in g:
        g.partner = partners.get(g.partner_id)
    return g.partner


@bp.get("/openapi.json", doc_ui=False)
def openapi_document():
    """The OpenAPI 3.1 document of this API (public)."""
    return current_app.api_doc


# --- pagination ------------------------------------------------------------------------


def _encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> dict:
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        abort(400, "This cursor is not valid; start again without one.")
    return value


def _keyset(
    page_of: Callable[..., tuple[list, bool]], page: s.PageQuery
) -> tuple[list, str | None]:
    """A page of the partner's rows, newest first by id; the cursor holds the last id seen."""
    before = _decode(page.cursor).get("before")
    if before is not None and not isinstance(before, int):
        abort(400, "This cursor is not valid; start again without one.")
    rows, more = page_of(g.partner_id, before=before, limit=page.limit)
    return rows, (_encode({"before": rows[-1].id}) if more and rows else None)


def _dump(model: s.Model) -> dict:
    return model.model_dump(mode="json")


# --- catalogue -------------------------------------------------------------------------


@bp.get("/", tags=[CATALOGUE], responses={200: s.IndexOut})
def index():
    """Who the key belongs to."""
    partner = _partner()
    return _dump(
        s.IndexOut(
            version="v1",
            partner=s.PartnerOut(
                id=partner.id,
                name=partner.name,
                status=partner.status.value,
                tier=partner.tier.value if partner.tier else None,
            ),
        )
    )


def _article_out(article: Article | search.Listed, held: dict[int, int], now) -> dict:
    embargo = article.embargo_until
    if embargo is not None and embargo <= now:
        embargo = None
    return dict(
        id=article.id,
        headline=article.headline,
        dek=article.dek,
        bylines=list(article.bylines),
        section=article.section,
        tags=article.tags,
        published_at=article.published_at,
        word_count=article.word_count,
        canonical_url=article.canonical_url,
        policy=article.policy.value,
        embargoed_until=embargo,
        held_grant_id=held.get(article.id),
    )


@bp.get("/articles", tags=[CATALOGUE], responses={200: s.ArticlePage})
def list_articles(query: s.ArticleQuery):
    """Search the articles offered for syndication."""
    page_number = _decode(query.cursor).get("page", 1)
    if not isinstance(page_number, int) or page_number < 1:
        abort(400, "This cursor is not valid; start again without one.")
    found = search.search_articles(
        query.q,
        policy=query.policy,
        section=query.section,
        tag=query.tag,
        published_from=query.published_from,
        published_to=query.published_to,
        offered_only=True,
        page=page_number,
        per_page=query.limit,
        with_tags=True,
    )
    now = utcnow()
    held = grants.held_by(g.partner_id, [a.id for a in found.items])
    return _dump(
        s.ArticlePage(
            items=[s.ArticleOut(**_article_out(a, held, now)) for a in found.items],
            total=found.total,
            more=found.more,
            next_cursor=_encode({"page": page_number + 1}) if found.has_next else None,
        )
    )


@bp.get("/articles/<int:article_id>", tags=[CATALOGUE], responses={200: s.ArticleDetail})
def get_article(path: s.ArticlePath):
    """One article, with the footer and credit your package would carry."""
    article = articles.offered(path.article_id)
    partner = _partner()
    tier = partner.tier.value if partner.tier else "standard"
    rendered = rulesets.preview(article, tier=tier, fmt="text", partner_name=partner.name).rendered
    now = utcnow()
    return _dump(
        s.ArticleDetail(
            **_article_out(article, grants.held_by(g.partner_id, [article.id]), now),
            summary=article.summary,
            revision=article.current_revision,
            preview_footer=rendered.footer,
            preview_credit_line=rendered.credit_line,
        )
    )


# --- requests and grants ---------------------------------------------------------------


def _request_out(request_row: ArticleRequest, grant_id: int | None) -> s.RequestOut:
    return s.RequestOut(
        id=request_row.id,
        article_id=request_row.article_id,
        status=request_row.status.value,
        reason=request_row.reason,
        created_at=request_row.created_at,
        grant_id=grant_id,
    )


@bp.post("/requests", tags=[LICENSING], responses={201: s.RequestResults})
def create_requests(body: s.RequestCreate):
    """Request one or many articles: each is granted, queued or refused with a reason."""
    results = grants.request_articles(_partner(), body.article_ids, note=body.note)
    items = [_request_out(r.request, r.grant.id if r.grant else None) for r in results]
    return _dump(s.RequestResults(items=items)), 201


@bp.get("/requests", tags=[LICENSING], responses={200: s.RequestPage})
def list_requests(query: s.PageQuery):
    """Your requests, newest first."""
    rows, cursor = _keyset(grants.request_page, query)
    grant_ids = grants.grants_for_requests([r.id for r in rows])
    return _dump(
        s.RequestPage(
            items=[_request_out(r, grant_ids.get(r.id)) for r in rows], next_cursor=cursor
        )
    )


def _grant_out(grant: Grant) -> dict:
    return dict(
        id=grant.id,
        licence_id=grant.licence_id,
        article_id=grant.article_id,
        status=grant.status.value,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        rule_set_version=grant.terms.get("rule_set_version", 0),
    )


@bp.get("/grants", tags=[LICENSING], responses={200: s.GrantPage})
def list_grants(query: s.PageQuery):
    """Your grants, newest first."""
    rows, cursor = _keyset(grants.grant_page, query)
    return _dump(s.GrantPage(items=[s.GrantOut(**_grant_out(r)) for r in rows], next_cursor=cursor))


@bp.get("/grants/<int:grant_id>", tags=[LICENSING], responses={200: s.GrantDetail})
def get_grant(path: s.GrantPath):
    """A grant with its frozen terms."""
    grant = grants.of_partner(g.partner_id, path.grant_id)
    formats = grant.terms["formats"]
    return _dump(
        s.GrantDetail(
            **_grant_out(grant),
            footer_text=formats["text"]["footer"],
            footer_html=formats["html"]["footer"],
            credit_line_text=formats["text"]["credit_line"],
            restrictions=list(grant.terms.get("restrictions", [])),
            odrl=grant.odrl,
        )
    )


PACKAGE_RESPONSE = {
    "description": "The package zip, or one of its files",
    "content": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
        "text/html": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
        "application/ld+json": {"schema": {"type": "object"}},
        "application/vnd.iptc.g2.newsitem+xml": {"schema": {"type": "string"}},
    },
}


@bp.get(
    "/grants/<int:grant_id>/package",
    tags=[LICENSING],
    responses={200: PACKAGE_RESPONSE, 304: {"description": "Not modified (ETag matched)"}},
)
def package(path: s.GrantPath, query: s.PackageQuery):
    """The grant's package: the zip (default), or one file with ?format=."""
    built = downloads.download(
        g.partner_id,
        path.grant_id,
        query.format,
        api_key_id=g.api_key_id,
        url_root=url_root(),
        remembered=downloads.memory_of(current_app),
    )
    return package_response(built)


# --- notices and webhook ---------------------------------------------------------------


def _notice_out(delivery: NoticeDelivery) -> s.NoticeOut:
    notice: Notice = delivery.notice
    gone = notice.kind in (NoticeKind.TAKEDOWN, NoticeKind.REVOCATION)
    return s.NoticeOut(
        id=delivery.id,
        kind=notice.kind.value,
        article_id=notice.article_id,
        grant_id=delivery.grant_id,
        revision=notice.revision_number,
        title=notice.title,
        body=notice.body,
        note=notice.public_note,
        created_at=notice.created_at,
        due_at=delivery.due_at,
        acknowledged_at=delivery.acknowledged_at,
        package_url=(
            absolute_url("api.package", grant_id=delivery.grant_id)
            if delivery.grant_id and not gone
            else None
        ),
    )


@bp.get("/notices", tags=[NOTICES], responses={200: s.NoticePage})
def list_notices(query: s.NoticeQuery):
    """Corrections, updates and takedowns about articles you hold, newest first.

    ``?unacknowledged=1`` lists only those still waiting for you.
    """
    before = _decode(query.cursor).get("before")
    if before is not None and not isinstance(before, int):
        abort(400, "This cursor is not valid; start again without one.")
    rows, more = notices.page_of(
        g.partner_id, before=before, limit=query.limit, unacknowledged=query.unacknowledged
    )
    cursor = _encode({"before": rows[-1].id}) if more and rows else None
    return _dump(s.NoticePage(items=[_notice_out(d) for d in rows], next_cursor=cursor))


@bp.get("/changes", tags=[NOTICES], responses={200: s.ChangePage})
def list_changes(query: s.ChangeQuery):
    """What changed in your grants, oldest first: corrections, updates, takedowns, revocations.

    Poll with the ``next_cursor`` of the last page (it is returned even on the last
    page, so the next poll starts where this one ended) instead of receiving webhooks.
    """
    after = _decode(query.cursor).get("after")
    if after is not None and not isinstance(after, int):
        abort(400, "This cursor is not valid; start again without one.")
    rows, _ = notices.changes(
        g.partner_id, after=after, since=query.updated_since, limit=query.limit
    )
    last = rows[-1].id if rows else after
    cursor = _encode({"after": last}) if last is not None else query.cursor
    return _dump(s.ChangePage(items=[_notice_out(d) for d in rows], next_cursor=cursor))


@bp.post("/notices/<int:notice_id>/ack", tags=[NOTICES], responses={200: s.NoticeOut})
def acknowledge_notice(path: s.NoticePath):
    """Acknowledge a notice: you applied the correction or took the article down."""
    delivery = notices.acknowledge(g.partner_id, path.notice_id)
    return _dump(_notice_out(delivery))


def _webhook_out(secret: str | None = None) -> dict:
    found = webhooks.endpoint(_partner())
    return _dump(
        s.WebhookOut(
            url=found.url,
            enabled=found.enabled,
            disabled_at=found.disabled_at,
            disabled_reason=found.disabled_reason,
            previous_secret_until=found.previous_secret_until,
            secret=secret,
        )
    )


def _delivery_out(delivery: WebhookDelivery) -> s.WebhookDeliveryOut:
    return s.WebhookDeliveryOut(
        id=delivery.id,
        message_id=delivery.message_id,
        type=delivery.event_type,
        state=delivery.state.value,
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        payload=delivery.payload,
        attempt_log=[
            s.WebhookAttemptOut(
                at=a.at, status_code=a.status_code, latency_ms=a.latency_ms, error=a.error
            )
            for a in delivery.attempt_log
        ],
    )


@bp.get("/webhook", tags=[NOTICES], responses={200: s.WebhookOut})
def get_webhook():
    """Where events are delivered, if anywhere, and whether deliveries are enabled."""
    return _webhook_out()


@bp.put("/webhook", tags=[NOTICES], responses={200: s.WebhookOut})
def set_webhook(body: s.WebhookIn):
    """Set the webhook URL (re-enabling it); a new signing secret is made and shown once."""
    secret = webhooks.set_webhook(_partner(), body.url)
    return _webhook_out(secret)


@bp.delete("/webhook", tags=[NOTICES], responses={204: None})
def delete_webhook():
    """Stop webhook deliveries."""
    webhooks.clear_webhook(_partner())
    return "", 204


@bp.post(
    "/webhook/rotate",
    tags=[NOTICES],
    responses={200: s.WebhookOut, 409: s.problem("No webhook is set")},
)
def rotate_webhook_secret(body: s.RotateIn):
    """A new signing secret, shown once; the previous one keeps signing for the overlap."""
    secret = webhooks.rotate_secret(_partner(), overlap=timedelta(hours=body.overlap_hours))
    return _webhook_out(secret)


@bp.post(
    "/webhook/test",
    tags=[NOTICES],
    responses={202: s.WebhookDeliveryOut, 409: s.problem("No enabled webhook")},
)
def send_webhook_test():
    """Send a ``test`` event to the webhook; the delivery is returned at once, sent soon."""
    delivery = webhooks.send_test(_partner())
    return _dump(_delivery_out(delivery)), 202


@bp.get("/webhook/deliveries", tags=[NOTICES], responses={200: s.WebhookDeliveryPage})
def list_webhook_deliveries(query: s.PageQuery):
    """Every webhook delivery and its attempts, newest first."""
    rows, cursor = _keyset(webhooks.page_of, query)
    return _dump(s.WebhookDeliveryPage(items=[_delivery_out(d) for d in rows], next_cursor=cursor))


@bp.post(
    "/webhook/deliveries/<int:delivery_id>/redeliver",
    tags=[NOTICES],
    responses={202: s.WebhookDeliveryOut, 409: s.problem("Still being attempted, or disabled")},
)
def redeliver_webhook(path: s.WebhookDeliveryPath):
    """Send a delivery again, with the same webhook-id so you can deduplicate."""
    delivery = webhooks.redeliver(path.delivery_id, partner_id=g.partner_id, actor=None)
    return _dump(_delivery_out(delivery)), 202
