"""Rate limits live in Redis in production, so every worker counts against one limit."""

from __future__ import annotations

import socket
import uuid

from syndication.extensions import db
from syndication.models import OutletType, Partner, PartnerStatus, PartnerTier
from syndication.services import apikeys
from tests.conftest import migrated_app


def test_two_workers_share_one_count_in_redis(tmp_path):
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        # A fresh namespace per run: counts from other runs must not leak in.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "API_RATE_LIMIT": "4 per minute",
    }
    first, second = migrated_app(url, **settings), migrated_app(url, **settings)
    with first.app_context():
        from syndication.models import Role
        from syndication.services import users

        partner = Partner(
            name="Shared Count Times",
            website="https://shared.example",
            outlet_type=OutletType.DIGITAL,
            contact_name="S",
            contact_email="s@shared.example",
            monthly_unique_visitors=1,
            status=PartnerStatus.APPROVED,
            tier=PartnerTier.STANDARD,
        )
        db.session.add(partner)
        user = users.create_user(
            "s@shared.example", Role.PARTNER, partner=partner, partner_admin=True
        )
        _, secret = apikeys.create_key(user, "CMS")
    headers = {"Authorization": f"Bearer {secret}"}
    clients = [first.test_client(), second.test_client()]
    codes = [clients[i % 2].get("/api/v1/", headers=headers).status_code for i in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]


def _closed_port() -> int:
    """A loopback port nothing listens on: a Redis that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_redis_down_each_worker_still_limits_on_its_own(tmp_path):
    url = f"sqlite:///{tmp_path / 'down.db'}"
    app = migrated_app(
        url,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0",
        LOGIN_RATE_LIMIT="3 per minute",
    )
    client = app.test_client()
    wrong = {"email": "nobody@down.example", "password": "not-the-password"}
    codes = [client.post("/login", data=wrong).status_code for _ in range(5)]
    # The form answers (no 500), and guessing is still cut off, counted in this process.
    assert codes == [422, 422, 422, 429, 429]  # three wrong answers, then refused
