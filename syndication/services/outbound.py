"""The app's one outbound client, built from configuration once per process."""

from __future__ import annotations

from flask import Flask, current_app

from syndication.delivery.outbound import Client, OutboundSettings

_KEY = "syndication.outbound"


def settings_from(config) -> OutboundSettings:
    """The client's limits as the configuration sets them."""
    return OutboundSettings(
        connect_timeout=config["OUTBOUND_CONNECT_TIMEOUT"],
        read_timeout=config["OUTBOUND_READ_TIMEOUT"],
        total_timeout=config["OUTBOUND_TOTAL_TIMEOUT"],
        allow_loopback=bool(config["OUTBOUND_ALLOW_LOOPBACK"]),
        ca_bundle=config["OUTBOUND_CA_BUNDLE"],
    )


def client(app: Flask | None = None) -> Client:
    """The shared, pooled client of this app (thread-safe; keep-alive shared by tasks)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions.setdefault(_KEY, Client(settings_from(app.config)))
    return found
