"""Webhooks end to end: a real HTTPS receiver that verifies signatures with the library."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from syndication.delivery.webhooks import RETRY_POLICY
from syndication.extensions import db
from syndication.models import Job, Role, WebhookDelivery, WebhookState
from syndication.models.base import utcnow
from syndication.policy.jobs import JobState
from syndication.services import jobs, webhooks
from syndication.services.errors import Conflict, Invalid
from syndication.tasks import JOB_KINDS
from tests.factories import PASSWORD
from tests.receivers import Answer, Received

DATA = {
    "article": {"id": 12, "headline": "Harbour bridge reopens"},
    "revision": 3,
    "note": "An earlier version gave the wrong date.",
    "ack_deadline": "2026-12-07T09:00:00Z",
    "notice_url": "https://desk.example/api/v1/notices/5",
    "package_url": "https://desk.example/api/v1/grants/9/package",
}


class Verifying:
    """Answers like a receiver that checks every signature with the library."""

    def __init__(self, *secrets: str, then: list[int] | None = None) -> None:
        self.secrets = list(secrets)
        self.statuses = list(then or [200])
        self.verified: list[dict] = []
        self.rejected = 0

    def __call__(self, got: Received) -> Answer:
        for secret in self.secrets:
            try:
                self.verified.append(Webhook(secret).verify(got.body, got.headers))
                break
            except WebhookVerificationError:
                continue
        else:
            self.rejected += 1
            return Answer(400, b"bad signature")
        status = self.statuses[0] if len(self.statuses) == 1 else self.statuses.pop(0)
        return Answer(status, b"")


@pytest.fixture
def hooked(make_partner, https_receiver):
    """A partner whose webhook is the local HTTPS receiver; (partner, secret)."""
    partner = make_partner()
    secret = webhooks.set_webhook(partner, https_receiver.url("/hooks/desk"))
    return partner, secret


def _job_of(delivery: WebhookDelivery) -> Job:
    return db.session.scalars(
        sa.select(Job)
        .where(Job.kind == webhooks.JOB_KIND)
        .order_by(Job.id.desc())
        .where(Job.payload["delivery_id"].as_integer() == delivery.id)
    ).first()


def test_an_event_reaches_the_receiver_signed_to_the_standard(hooked, https_receiver, worker):
    partner, secret = hooked
    https_receiver.answers = [receiver := Verifying(secret)]
    delivery = webhooks.queue_event(partner.id, "notice.correction", DATA)
    db.session.commit()
    assert https_receiver.received == []  # sent by the worker, not the request
    worker.drain()
    (got,) = https_receiver.received
    assert got.method == "POST" and got.path == "/hooks/desk"
    assert got.headers["webhook-id"] == delivery.message_id
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-signature"].startswith("v1,")
    (body,) = receiver.verified
    assert body["type"] == "notice.correction" and body["data"] == DATA
    assert body["timestamp"].endswith("Z")
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.DELIVERED and delivery.last_status == 200
    (attempt,) = delivery.attempt_log
    assert attempt.status_code == 200 and attempt.latency_ms >= 0 and attempt.error == ""


def test_no_webhook_means_no_delivery(make_partner):
    partner = make_partner()
    assert webhooks.queue_event(partner.id, "notice.takedown", DATA) is None


def test_500_twice_then_200_is_three_attempts_at_the_policys_times(hooked, https_receiver, worker):
    partner, secret = hooked
    https_receiver.answers = [receiver := Verifying(secret, then=[500, 500, 200])]
    delivery = webhooks.queue_event(partner.id, "notice.update", DATA)
    db.session.commit()
    job = _job_of(delivery)
    rng, expected = random.Random(18), random.Random(18)
    start = now = job.run_at
    for _ in range(2):
        assert jobs.run(job.id, JOB_KINDS, now=now, rng=rng) is JobState.QUEUED
        db.session.refresh(job)
        assert jobs.run(job.id, JOB_KINDS, now=job.run_at - timedelta(seconds=1)) is None
        now = job.run_at
    assert jobs.run(job.id, JOB_KINDS, now=now, rng=rng) is JobState.DONE
    db.session.refresh(delivery)
    times = [a.at for a in delivery.attempt_log]
    assert [a.status_code for a in delivery.attempt_log] == [500, 500, 200]
    assert len(https_receiver.received) == 3 and receiver.rejected == 0
    waits = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert times[0] == start
    assert waits == [RETRY_POLICY.next_attempt(n, start, expected) - start for n in (1, 2)]
    assert delivery.state is WebhookState.DELIVERED and delivery.attempts == 3
    # Every attempt is the same message: receivers deduplicate on webhook-id.
    assert {r.headers["webhook-id"] for r in https_receiver.received} == {delivery.message_id}
    assert len({r.body for r in https_receiver.received}) == 1


def test_a_batch_is_read_and_recorded_together_and_each_delivery_keeps_its_own_outcome(
    hooked, https_receiver
):
    partner, secret = hooked
    by_article = {1: 200, 2: 503, 3: 200, 4: 422}

    def answer(got: Received) -> Answer:
        body = Webhook(secret).verify(got.body, got.headers)  # every one signed
        return Answer(by_article[body["data"]["article"]["id"]])

    https_receiver.answers = [answer]
    deliveries = [
        webhooks.queue_event(partner.id, "notice.update", {**DATA, "article": {"id": n}})
        for n in by_article
    ]
    db.session.commit()
    batch = [_job_of(d).id for d in deliveries]
    results = jobs.run_batch(batch, JOB_KINDS, rng=random.Random(4))
    assert list(results.values()) == [
        JobState.DONE,
        JobState.QUEUED,  # a 503 is tried again by the policy
        JobState.DONE,
        JobState.FAILED,  # another 4xx fails at once
    ]
    for delivery in deliveries:
        db.session.refresh(delivery)
    assert [d.state for d in deliveries] == [
        WebhookState.DELIVERED,
        WebhookState.PENDING,
        WebhookState.DELIVERED,
        WebhookState.FAILED,
    ]
    assert [[a.status_code for a in d.attempt_log] for d in deliveries] == [
        [200],
        [503],
        [200],
        [422],
    ]
    assert [d.attempts for d in deliveries] == [1, 1, 1, 1]
    # The same batch delivered twice by the queue sends nothing more.
    assert jobs.run_batch(batch, JOB_KINDS) == dict.fromkeys(batch)
    assert len(https_receiver.received) == 4


def test_a_busy_receiver_is_tried_again_after_its_retry_after(hooked, https_receiver):
    partner, _ = hooked
    https_receiver.answers = [Answer(429, b"slow down", {"Retry-After": "3600"}), Answer(200)]
    delivery = webhooks.queue_event(partner.id, "notice.update", DATA)
    db.session.commit()
    job = _job_of(delivery)
    first = job.run_at
    assert jobs.run(job.id, JOB_KINDS, now=first) is JobState.QUEUED
    db.session.refresh(job)
    assert job.run_at - first >= timedelta(hours=1)  # longer than the first backoff
    assert jobs.run(job.id, JOB_KINDS, now=job.run_at) is JobState.DONE


def test_out_of_attempts_the_delivery_fails_and_staff_see_it(hooked, https_receiver):
    partner, _ = hooked
    https_receiver.answers = [Answer(503)]
    delivery = webhooks.queue_event(partner.id, "notice.update", DATA)
    db.session.commit()
    job = _job_of(delivery)
    now = job.run_at
    for _ in range(RETRY_POLICY.max_attempts):
        state = jobs.run(job.id, JOB_KINDS, now=now, rng=random.Random(1))
        db.session.refresh(job)
        now = job.run_at
    assert state is JobState.FAILED
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.FAILED
    assert len(delivery.attempt_log) == RETRY_POLICY.max_attempts
    assert webhooks.failed_of(partner.id) == [delivery]


def test_410_disables_the_endpoint_and_emails_the_partner(
    hooked, https_receiver, worker, mailbox, make_user
):
    partner, _ = hooked
    make_user(Role.PARTNER, partner=partner, email="admin@outlet.example", partner_admin=True)
    https_receiver.answers = [Answer(410, b"gone")]
    delivery = webhooks.queue_event(partner.id, "notice.takedown", DATA)
    db.session.commit()
    worker.drain()
    db.session.refresh(delivery)
    db.session.refresh(partner)
    assert delivery.state is WebhookState.DISABLED and delivery.last_status == 410
    assert partner.webhook_disabled_at is not None and "410" in partner.webhook_disabled_reason
    assert not webhooks.is_enabled(partner)
    for address in (partner.contact_email, "admin@outlet.example"):
        (message,) = mailbox.to(address)
        assert (
            "disabled" in message["Subject"]
            and "410 Gone" in message.get_body(("plain",)).get_content()
        )
    # Nothing more is sent to it until the partner sets it again.
    assert webhooks.queue_event(partner.id, "notice.takedown", DATA) is None
    webhooks.set_webhook(partner, https_receiver.url("/hooks/desk"))
    assert webhooks.is_enabled(partner)


def test_another_4xx_fails_at_once_and_a_redelivery_keeps_the_webhook_id(
    hooked, https_receiver, worker
):
    partner, _ = hooked
    https_receiver.answers = [Answer(400, b"no"), Answer(204)]
    delivery = webhooks.queue_event(partner.id, "grant.revoked", DATA)
    db.session.commit()
    worker.drain()
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.FAILED and len(https_receiver.received) == 1
    assert _job_of(delivery).state is JobState.FAILED
    webhooks.redeliver(delivery.id, partner_id=partner.id, actor=None)
    worker.drain()
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.DELIVERED
    assert [a.status_code for a in delivery.attempt_log] == [400, 204]
    first, second = https_receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    webhooks.redeliver(delivery.id, partner_id=partner.id, actor=None)
    with pytest.raises(Conflict):  # pending again: it is being attempted
        webhooks.redeliver(delivery.id, partner_id=partner.id, actor=None)


def test_a_partner_cannot_redeliver_another_partners_delivery(hooked, make_partner):
    partner, _ = hooked
    delivery = webhooks.queue_event(partner.id, "test", {})
    db.session.commit()
    from syndication.services.errors import NotFound

    with pytest.raises(NotFound):
        webhooks.redeliver(delivery.id, partner_id=make_partner().id, actor=None)


@pytest.fixture
def strict_outbound(app):
    """The production rule for this test: loopback refused like any private address."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    app.extensions.pop("syndication.outbound", None)
    yield
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = True
    app.extensions.pop("syndication.outbound", None)


def test_a_url_resolving_to_loopback_is_refused_outside_the_test_setting(
    make_partner, https_receiver, strict_outbound
):
    partner = make_partner()
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(Invalid, match=r"not a public address|public host"):
            webhooks.set_webhook(partner, https_receiver.url("/hook", host=host))
    assert partner.webhook_url is None


def test_an_endpoint_that_became_private_is_refused_at_send_time(
    app, hooked, https_receiver, worker
):
    partner, _ = hooked
    delivery = webhooks.queue_event(partner.id, "test", {})
    db.session.commit()
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    app.extensions.pop("syndication.outbound", None)
    try:
        worker.drain()
    finally:
        app.config["OUTBOUND_ALLOW_LOOPBACK"] = True
        app.extensions.pop("syndication.outbound", None)
    db.session.refresh(delivery)
    assert https_receiver.received == []
    assert delivery.state is WebhookState.FAILED and "not a public address" in delivery.last_error
    assert _job_of(delivery).state is JobState.FAILED


def test_secrets_are_not_stored_in_plaintext(hooked):
    partner, secret = hooked
    stored = db.session.execute(
        sa.text("SELECT webhook_secret FROM partners WHERE id = :id"), {"id": partner.id}
    ).scalar_one()
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert webhooks.secret_box().open(stored) == secret


def test_during_rotation_both_secrets_sign_then_only_the_new(hooked, https_receiver, worker):
    partner, old = hooked
    new = webhooks.rotate_secret(partner, overlap=timedelta(hours=2))
    assert new != old and new.startswith("whsec_")
    https_receiver.answers = [Answer(200)]
    webhooks.queue_event(partner.id, "test", {})
    db.session.commit()
    worker.drain()
    got = https_receiver.received[-1]
    assert got.headers["webhook-signature"].count("v1,") == 2
    assert Webhook(old).verify(got.body, got.headers)["type"] == "test"
    assert Webhook(new).verify(got.body, got.headers)["type"] == "test"
    assert webhooks.endpoint(partner).previous_secret_until is not None
    # After the overlap only the new secret signs.
    delivery = webhooks.queue_event(partner.id, "test", {})
    db.session.commit()
    jobs.run(_job_of(delivery).id, JOB_KINDS, now=utcnow() + timedelta(hours=3))
    got = https_receiver.received[-1]
    assert got.headers["webhook-signature"].count("v1,") == 1
    Webhook(new).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(got.body, got.headers)


def test_clearing_the_webhook_stops_pending_deliveries(hooked, https_receiver, worker):
    partner, _ = hooked
    delivery = webhooks.queue_event(partner.id, "test", {})
    db.session.commit()
    webhooks.clear_webhook(partner)
    worker.drain()
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.DISABLED and https_receiver.received == []


def test_a_delivery_names_its_notice_delivery_until_that_is_deleted(hooked, make_article):
    from syndication.models import Notice, NoticeDelivery, NoticeKind

    partner, _ = hooked
    notice = Notice(article=make_article(), kind=NoticeKind.CORRECTION, title="Date fixed")
    notice_delivery = NoticeDelivery(notice=notice, partner=partner)
    db.session.add(notice_delivery)
    db.session.flush()
    delivery = webhooks.queue_event(
        partner.id, "notice.correction", DATA, notice_delivery_id=notice_delivery.id
    )
    db.session.commit()
    assert delivery.notice_delivery_id == notice_delivery.id
    db.session.delete(notice_delivery)
    db.session.commit()
    db.session.refresh(delivery)
    assert delivery.notice_delivery_id is None


# --- the partner's page, staff's page, the API ------------------------------------------


def test_a_partner_admin_sets_tests_rotates_and_redelivers_from_the_webhook_page(
    client, auth, make_partner, make_user, https_receiver, worker
):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="boss@w.example", partner_admin=True)
    auth.login("boss@w.example", PASSWORD)
    set_page = client.post(
        "/portal/webhook", data={"url": https_receiver.url("/hook")}, follow_redirects=True
    )
    assert 'id="webhook-secret"' in set_page.text
    secret = set_page.text.split('id="webhook-secret">')[1].split("<")[0]
    https_receiver.answers = [receiver := Verifying(secret, then=[404, 200])]
    assert client.post("/portal/webhook/test").status_code == 302
    worker.drain()
    (body,) = receiver.verified
    assert body["type"] == "test"
    page = client.get("/portal/webhook").text
    assert "failed" in page and "404" in page and "Redeliver" in page
    (delivery,) = webhooks.log_of(partner.id)
    assert client.post(f"/portal/webhook/deliveries/{delivery.id}/redeliver").status_code == 302
    worker.drain()
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.DELIVERED
    rotated = client.post("/portal/webhook/rotate", follow_redirects=True)
    assert rotated.status_code == 200 and 'id="webhook-secret"' in rotated.text
    assert "previous secret also signs until" in rotated.text


def test_a_partner_user_who_is_not_an_admin_only_reads_the_log(
    client, auth, make_partner, make_user
):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="reader@w.example")
    auth.login("reader@w.example", PASSWORD)
    assert client.get("/portal/webhook").status_code == 200
    assert client.post("/portal/webhook/test").status_code == 403


def test_staff_see_a_partners_failed_deliveries_and_redeliver_one(
    client, auth, make_user, hooked, https_receiver, worker
):
    partner, _ = hooked
    https_receiver.answers = [Answer(422), Answer(200)]
    delivery = webhooks.queue_event(partner.id, "notice.takedown", DATA)
    db.session.commit()
    worker.drain()
    make_user(Role.STAFF, email="desk@example.org")
    auth.login("desk@example.org", PASSWORD)
    page = client.get(f"/staff/partners/{partner.id}").text
    assert delivery.message_id in page and "Failed deliveries" in page
    answer = client.post(f"/staff/partners/{partner.id}/webhooks/{delivery.id}/redeliver")
    assert answer.status_code == 302
    worker.drain()
    db.session.refresh(delivery)
    assert delivery.state is WebhookState.DELIVERED
    assert delivery.message_id not in client.get(f"/staff/partners/{partner.id}").text


@pytest.fixture
def api(make_api_key, make_partner):
    partner = make_partner()
    return partner, {"Authorization": f"Bearer {make_api_key(partner)[1]}"}


def test_the_api_sets_rotates_tests_lists_and_redelivers(client, api, https_receiver, worker):
    _, headers = api
    url = https_receiver.url("/api-hook")
    put = client.put("/api/v1/webhook", json={"url": url}, headers=headers).json
    assert put["enabled"] and put["secret"].startswith("whsec_")
    rotated = client.post("/api/v1/webhook/rotate", json={"overlap_hours": 1}, headers=headers)
    assert rotated.status_code == 200 and rotated.json["previous_secret_until"]
    https_receiver.answers = [receiver := Verifying(put["secret"], rotated.json["secret"])]
    for _ in range(3):
        sent = client.post("/api/v1/webhook/test", headers=headers)
        assert sent.status_code == 202 and sent.json["state"] == "pending"
    worker.drain()
    assert len(receiver.verified) == 3 and receiver.rejected == 0
    first = client.get("/api/v1/webhook/deliveries?limit=2", headers=headers).json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(
        f"/api/v1/webhook/deliveries?limit=2&cursor={first['next_cursor']}", headers=headers
    ).json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    item = rest["items"][0]
    assert item["state"] == "delivered" and item["attempt_log"][0]["status_code"] == 200
    assert item["payload"]["type"] == "test"
    again = client.post(f"/api/v1/webhook/deliveries/{item['id']}/redeliver", headers=headers)
    assert again.status_code == 202
    busy = client.post(f"/api/v1/webhook/deliveries/{item['id']}/redeliver", headers=headers)
    assert busy.status_code == 409 and busy.mimetype == "application/problem+json"
    worker.drain()
    assert https_receiver.received[-1].headers["webhook-id"] == item["message_id"]


def test_the_api_refuses_a_private_webhook_and_a_test_without_one(client, api, strict_outbound):
    _, headers = api
    refused = client.put(
        "/api/v1/webhook", json={"url": "https://127.0.0.1:8443/hook"}, headers=headers
    )
    assert refused.status_code == 422 and "public address" in refused.json["detail"]
    none = client.post("/api/v1/webhook/test", headers=headers)
    assert none.status_code == 409


def test_another_partners_deliveries_are_not_listed_or_redelivered(client, api, hooked):
    other, _ = hooked
    delivery = webhooks.queue_event(other.id, "test", {})
    db.session.commit()
    _, headers = api
    assert client.get("/api/v1/webhook/deliveries", headers=headers).json["items"] == []
    answer = client.post(f"/api/v1/webhook/deliveries/{delivery.id}/redeliver", headers=headers)
    assert answer.status_code == 404


def test_the_openapi_document_lists_the_webhook_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "put", "delete"} <= set(paths["/api/v1/webhook"])
    for path in (
        "/api/v1/webhook/rotate",
        "/api/v1/webhook/test",
        "/api/v1/webhook/deliveries",
        "/api/v1/webhook/deliveries/{delivery_id}/redeliver",
    ):
        assert path in paths
