"""The webhook wire format: envelope, Standard Webhooks signatures, secrets, URLs, answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from syndication.delivery import webhooks as wire
from syndication.delivery.outbound import Refused

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, wire.Outcome.DELIVERED),
        (204, wire.Outcome.DELIVERED),
        (410, wire.Outcome.DISABLE),
        (429, wire.Outcome.RETRY),
        (500, wire.Outcome.RETRY),
        (503, wire.Outcome.RETRY),
        (None, wire.Outcome.RETRY),
        (400, wire.Outcome.FAIL),
        (404, wire.Outcome.FAIL),
        (301, wire.Outcome.FAIL),
    ],
)
def test_answers_are_classified_as_the_specification_of_retries_says(status, outcome):
    assert wire.classify(status) is outcome


def test_the_envelope_carries_type_timestamp_and_data():
    body = wire.envelope("notice.correction", {"article": {"id": 7}}, NOW)
    assert body == {
        "type": "notice.correction",
        "timestamp": "2026-12-04T09:30:00Z",
        "data": {"article": {"id": 7}},
    }
    with pytest.raises(ValueError, match="Unknown"):
        wire.envelope("notice.unknown", {}, NOW)


def test_secrets_and_message_ids_have_the_specifications_form():
    secret = wire.new_secret()
    assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32
    assert wire.new_message_id().startswith("msg_")
    assert wire.new_message_id() != wire.new_message_id()


def test_the_library_verifies_what_we_sign():
    secret = wire.new_secret()
    now = datetime.now(UTC)
    body = wire.body_of(wire.envelope("test", {"n": "é"}, now))
    headers = wire.headers([secret], "msg_1", now, body)
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert Webhook(secret).verify(body, headers)["data"] == {"n": "é"}
    with pytest.raises(WebhookVerificationError):
        Webhook(wire.new_secret()).verify(body, headers)
    tampered = body.replace("é", "e")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)


def test_during_a_rotation_both_secrets_sign_and_each_verifies():
    old, new = wire.new_secret(), wire.new_secret()
    now = datetime.now(UTC)
    signing = wire.signing_secrets(new, old, now + timedelta(hours=1), now)
    assert signing == [new, old]
    body = wire.body_of({"type": "test"})
    headers = wire.headers(signing, "msg_2", now, body)
    assert headers["webhook-signature"].count("v1,") == 2
    assert Webhook(old).verify(body, headers) == {"type": "test"}
    assert Webhook(new).verify(body, headers) == {"type": "test"}
    assert wire.signing_secrets(new, old, now - timedelta(seconds=1), now) == [new]


def test_the_body_is_the_same_text_every_time():
    payload = json.loads('{"type": "test", "timestamp": "t", "data": {"b": 1, "a": 2}}')
    assert wire.body_of(payload) == '{"type":"test","timestamp":"t","data":{"b":1,"a":2}}'


def _resolver(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.9",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:10.0.0.1",
    ],
)
def test_webhook_urls_resolving_to_private_addresses_are_refused(address):
    with pytest.raises(Refused, match="not a public address"):
        wire.check_webhook_url("https://cms.example/hook", resolver=_resolver(address))


def test_one_private_address_among_public_ones_refuses_the_name():
    with pytest.raises(Refused):
        wire.check_webhook_url(
            "https://cms.example/hook", resolver=_resolver("93.184.215.14", "10.0.0.1")
        )


def test_a_public_https_url_is_accepted_and_http_is_not():
    url = " https://cms.example/hooks/syndication "
    assert wire.check_webhook_url(url, resolver=_resolver("93.184.215.14")) == url.strip()
    with pytest.raises(Refused, match="https"):
        wire.check_webhook_url("http://cms.example/hook", resolver=_resolver("93.184.215.14"))
    with pytest.raises(Refused):
        wire.check_webhook_url("https://user:pw@cms.example/", resolver=_resolver("93.184.215.14"))


def test_loopback_is_accepted_only_when_the_setting_allows_it():
    with pytest.raises(Refused):
        wire.check_webhook_url("https://127.0.0.1:8443/hook")
    assert wire.check_webhook_url("https://127.0.0.1:8443/hook", allow_loopback=True)
    with pytest.raises(Refused):  # loopback allowed is not private allowed
        wire.check_webhook_url(
            "https://cms.example/", allow_loopback=True, resolver=_resolver("10.0.0.1")
        )


def test_secrets_are_sealed_and_the_key_can_be_rotated():
    old_key, new_key = wire.generate_key(), wire.generate_key()
    secret = wire.new_secret()
    sealed = wire.SecretBox.from_setting(old_key).seal(secret)
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    rotated = wire.SecretBox.from_setting(f"{new_key}, {old_key}")
    assert rotated.open(sealed) == secret
    assert wire.SecretBox.from_setting(new_key).open(rotated.seal(secret)) == secret
    with pytest.raises(ValueError, match="WEBHOOK_SECRET_KEYS"):
        wire.SecretBox.from_setting(new_key).open(sealed)
    with pytest.raises(ValueError):
        wire.SecretBox.from_setting(" , ")


def test_eight_attempts_over_about_a_day():
    policy = wire.RETRY_POLICY
    assert policy.max_attempts == 8
    waits = [policy.ceiling(n) for n in range(1, policy.max_attempts)]
    longest = sum(waits, timedelta())
    assert timedelta(hours=12) <= longest / 2 and longest <= timedelta(hours=36)
    assert policy.next_attempt(policy.max_attempts, NOW) is None
