"""The API's request and response shapes; the OpenAPI document is generated from them."""

from __future__ import annotations

import copy
import functools
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from syndication.delivery.webhooks import EVENT_TYPES, URL_MAX_LENGTH, WEBHOOK_URL
from syndication.inputs import LINE_PATTERN, TEXT_PATTERN, BoundedDate, BoundedDateTime, Id
from syndication.services.packages import DOWNLOAD_FORMATS

ProblemSchema = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def problem(description: str) -> dict:
    """An RFC 9457 problem+json response, as documented in the OpenAPI document."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ProblemSchema}},
    }


PROBLEMS = {
    400: problem("Bad request"),
    401: problem("Missing, unknown or revoked API key"),
    403: problem("The partnership or the grant does not allow this"),
    404: problem("Not found, or not yours"),
    422: problem("The request did not validate"),
    429: problem("Too many requests; see Retry-After"),
}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Model):
    """Keyset pagination: pass next_cursor back as ?cursor= for the next page. A cursor
    holds the position after the last item (not a page number), so items added while you
    page are neither skipped nor repeated; it is signed, and valid only for the list, the
    filters and the key that received it (else 400)."""

    next_cursor: str | None = Field(description="Opaque and signed; null on the last page")


class QueryModel(Model):
    """A model of query parameters.

    flask-openapi3 reads the query model's JSON schema on every request (to
    tell list parameters from single ones); pydantic builds it anew each time,
    which cost more than the rest of a cached package download. The schema of
    a class never changes, so it is built once per class and set of arguments
    and handed out as a copy (callers may change what they get).
    """

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(_query_schema(cls, args, tuple(sorted(kwargs.items()))))


@functools.cache
def _query_schema(cls: type[QueryModel], args: tuple, kwargs: tuple) -> dict[str, Any]:
    return BaseModel.model_json_schema.__func__(cls, *args, **dict(kwargs))


class PageQuery(QueryModel):
    cursor: str | None = Field(
        None,
        max_length=400,
        pattern=LINE_PATTERN,
        description="The next_cursor (or prev_cursor) of a page of the same list",
    )
    limit: int = Field(25, ge=1, le=100)


class PartnerOut(Model):
    id: int
    name: str
    status: str
    tier: str | None


class IndexOut(Model):
    version: Literal["v1"]
    partner: PartnerOut


class ArticleQuery(PageQuery):
    q: str = Field(
        "",
        max_length=500,
        pattern=LINE_PATTERN,
        description="Full text over headline, dek, body, byline",
    )
    section: str | None = Field(None, max_length=100, pattern=LINE_PATTERN)
    tag: str | None = Field(None, max_length=100, pattern=LINE_PATTERN)
    policy: Literal["free_eligible", "licensed"] | None = None
    published_from: BoundedDate | None = None
    published_to: BoundedDate | None = None


class ArticleOut(Model):
    id: int
    headline: str
    dek: str
    bylines: list[str]
    section: str
    tags: list[str]
    published_at: datetime | None
    word_count: int
    canonical_url: str
    policy: Literal["free_eligible", "licensed"]
    embargoed_until: datetime | None
    held_grant_id: int | None


class ArticlePage(Page):
    items: list[ArticleOut]
    prev_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the page before this one; null on the first"
    )
    total: int = Field(
        description=(
            "Exact, or the cap when more is true; a text search counts once, when its"
            " walk begins, and later pages repeat that total"
        )
    )
    more: bool = Field(description="True when more than `total` articles matched")


class ArticlePath(Model):
    article_id: Id


class ArticleDetail(ArticleOut):
    summary: str
    revision: int
    preview_footer: str | None = Field(description="The footer your package would carry (text)")
    preview_credit_line: str | None


class RequestCreate(Model):
    article_ids: list[Id] = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=500, pattern=TEXT_PATTERN)


class RequestOut(Model):
    id: int
    article_id: int
    status: Literal["pending", "granted", "refused", "withdrawn"]
    reason: str
    created_at: datetime
    grant_id: int | None


class RequestPage(Page):
    items: list[RequestOut]


class RequestResults(Model):
    items: list[RequestOut]


class GrantOut(Model):
    id: int
    licence_id: str
    article_id: int
    status: Literal["active", "revoked", "expired"]
    valid_from: datetime
    valid_until: datetime | None
    rule_set_version: int


class GrantDetail(GrantOut):
    footer_text: str | None
    footer_html: str | None
    credit_line_text: str | None
    restrictions: list[str]
    odrl: dict


class GrantPage(Page):
    items: list[GrantOut]


class GrantPath(Model):
    grant_id: Id


class PackageQuery(QueryModel):
    format: Literal[DOWNLOAD_FORMATS] = "bundle"  # type: ignore[valid-type]


class NoticeOut(Model):
    id: int
    kind: Literal["correction", "update", "takedown", "revocation"]
    article_id: int
    grant_id: int | None = None
    revision: int | None = None
    title: str
    body: str
    note: str = Field("", description="The public correction or update note, or the reason.")
    created_at: datetime
    due_at: datetime | None = Field(None, description="Acknowledge by this time.")
    acknowledged_at: datetime | None
    package_url: str | None = Field(
        None, description="The grant's package in the API (absent once it is revoked)."
    )


class NoticeQuery(PageQuery):
    unacknowledged: bool = Field(False, description="Only notices you have not acknowledged.")


class ChangeQuery(QueryModel):
    cursor: str | None = Field(
        None,
        max_length=400,
        pattern=LINE_PATTERN,
        description="The next_cursor (or prev_cursor) of a page of the same list",
    )
    updated_since: BoundedDateTime | None = Field(
        None, description="Only changes from this time on (RFC 3339)."
    )
    limit: int = Field(100, ge=1, le=500)


class ChangePage(Page):
    items: list[NoticeOut]


class NoticePage(Page):
    items: list[NoticeOut]


class NoticePath(Model):
    notice_id: Id


class WebhookIn(Model):
    # A pattern rather than a URL type: the document then says exactly what is accepted.
    url: str = Field(
        description="https URL that receives events; its host must resolve to public addresses",
        max_length=URL_MAX_LENGTH,
        pattern=WEBHOOK_URL.pattern,
    )


class WebhookOut(Model):
    url: str | None
    enabled: bool = Field(description="False when cleared, or disabled after a 410 Gone")
    disabled_at: datetime | None
    disabled_reason: str
    previous_secret_until: datetime | None = Field(
        description="After a rotation, the previous secret also signs until then"
    )
    secret: str | None = Field(
        description="Shown once, when set or rotated: the Standard Webhooks whsec_ secret"
    )


class RotateIn(Model):
    overlap_hours: int = Field(
        24, ge=0, le=168, description="How long the previous secret keeps signing too"
    )


class WebhookAttemptOut(Model):
    at: datetime
    status_code: int | None = Field(description="Absent when no answer came (timeout, refused)")
    latency_ms: int
    error: str


EventType = Literal[tuple(sorted(EVENT_TYPES))]  # type: ignore[valid-type]


class WebhookDeliveryOut(Model):
    id: int
    message_id: str = Field(description="The webhook-id header; the same on every attempt")
    type: EventType
    state: Literal["pending", "delivered", "failed", "disabled"]
    attempts: int
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any] = Field(description="The body sent: {type, timestamp, data}")
    attempt_log: list[WebhookAttemptOut]


class WebhookDeliveryPage(Page):
    items: list[WebhookDeliveryOut]


class WebhookDeliveryPath(Model):
    delivery_id: Id
