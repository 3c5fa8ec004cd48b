"""The outbound client: only public addresses, the address checked is the one connected to."""

from __future__ import annotations

import ipaddress

import pytest

from syndication.delivery.outbound import (
    Client,
    OutboundError,
    OutboundSettings,
    Refused,
    TooLarge,
    address_allowed,
    check_url,
)
from tests.receivers import Answer

# The probe's payloads: every way of writing a private or metadata address.
HOSTILE_URLS = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "http://localhost/",
]


@pytest.fixture
def strict() -> Client:
    client = Client(OutboundSettings(connect_timeout=2, read_timeout=2))
    yield client
    client.close()


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_private_loopback_and_metadata_addresses_are_refused(strict, url):
    with pytest.raises(Refused):
        strict.request("GET", url)


def test_a_name_that_resolves_to_loopback_is_refused_before_connecting(http_receiver):
    client = Client(OutboundSettings(), resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(Refused, match="not a public address"):
        client.request("GET", http_receiver.url("/", host="partner.example"))
    assert http_receiver.received == []


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    client = Client(OutboundSettings(), resolver=lambda h, p: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(Refused):
        client.request("GET", "https://partner.example/hook")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/", "gopher://x/", "//x/"],
)
def test_only_http_and_https_urls_are_fetched(strict, url):
    with pytest.raises(Refused):
        strict.request("GET", url)


def test_urls_with_credentials_are_refused():
    with pytest.raises(Refused):
        check_url("https://user:pass@example.com/")


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("255.255.255.255", False),
        ("240.0.0.1", False),
        ("ff02::1", False),
    ],
)
def test_address_rules(address, allowed):
    assert address_allowed(ipaddress.ip_address(address)) is allowed


def test_loopback_allowed_only_when_the_setting_says_so():
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    # The test setting opens loopback only, never the private ranges or metadata.
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)


def test_the_connection_goes_to_the_checked_address(http_receiver):
    # The name resolves to the receiver's address: the request reaches it and
    # carries the name in Host, as a virtual-hosted server expects.
    client = Client(OutboundSettings(allow_loopback=True), resolver=lambda h, p: ["127.0.0.1"])
    answer = client.request("GET", http_receiver.url("/x", host="images.example"))
    assert answer.status == 200
    assert answer.address == "127.0.0.1"
    assert http_receiver.received[0].headers["host"] == f"images.example:{http_receiver.port}"


def test_redirects_are_never_followed(http_receiver):
    http_receiver.answers = [Answer(302, b"", {"Location": "http://169.254.169.254/"})]
    client = Client(OutboundSettings(allow_loopback=True))
    answer = client.request("GET", http_receiver.url("/image.png"))
    assert answer.status == 302
    assert len(http_receiver.received) == 1


def test_answers_larger_than_the_cap_are_cut_off(http_receiver):
    http_receiver.answers = [Answer(200, b"x" * 5000)]
    client = Client(OutboundSettings(allow_loopback=True, max_bytes=1000))
    with pytest.raises(TooLarge):
        client.request("GET", http_receiver.url("/big"))


def test_https_verifies_the_certificate(https_receiver, ca_bundle):
    trusting = Client(OutboundSettings(allow_loopback=True, ca_bundle=ca_bundle))
    assert trusting.request("POST", https_receiver.url("/hook"), body=b"{}").status == 200
    untrusting = Client(OutboundSettings(allow_loopback=True))
    with pytest.raises(OutboundError):
        untrusting.request("POST", https_receiver.url("/hook"), body=b"{}")


def test_a_closed_port_is_an_error_not_a_crash():
    client = Client(OutboundSettings(allow_loopback=True, connect_timeout=1))
    with pytest.raises(OutboundError, match="connect"):
        client.request("GET", "http://127.0.0.1:9/")
