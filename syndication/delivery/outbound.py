"""The one HTTP client for every request the app makes to another server.

Webhooks, asset fetches and copy checks all name a URL that someone outside
the organisation chose, so every request here is treated as hostile until
checked: only http and https; the host name is resolved first and *every*
address it resolves to must be globally reachable (no private, loopback,
link-local, multicast, reserved or unspecified addresses, in IPv4, IPv6 or
IPv4-mapped IPv6 form; decimal, hex and short forms such as ``2130706433``,
``0x7f000001`` and ``127.1`` are caught because the resolver turns them into
the address they mean); the connection is then made to the address that was
checked, so a name that resolves differently a moment later (DNS rebinding)
cannot slip past. TLS still verifies the certificate for the host *name*.
Redirects are never followed, and every request has connect, read and total
time limits and a cap on the size of the answer.

httpcore does the HTTP; its network backend is the documented seam where the
address is checked and the connection made.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Addresses inside IPv6 that stand for an IPv4 one: checked as that IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundError(Exception):
    """A request that did not produce an answer; ``reason`` is short and safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(OutboundError):
    """The URL or one of its addresses is not one the app may contact; nothing was sent."""


class TimedOut(OutboundError):
    """Connecting or reading took longer than the limit."""


class TooLarge(OutboundError):
    """The answer was larger than the cap; reading stopped there."""


@dataclass(frozen=True)
class OutboundSettings:
    """Limits of the client; ``allow_loopback`` exists for the test suite's local servers."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 1024 * 1024
    allow_loopback: bool = False
    ca_bundle: str = ""  # a PEM file of extra trusted roots (a private CA); empty: certifi
    user_agent: str = "SyndicationDesk/1.0"
    max_connections: int = 32


@dataclass(frozen=True)
class Response:
    """What the other server answered: status, headers (lower-case names), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float  # seconds from the start of the request to the end of the body
    address: str = ""  # the address actually connected to

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"The host name {host!r} does not resolve.") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def address_allowed(address: Address, *, allow_loopback: bool = False) -> bool:
    """Whether the app may connect to ``address``: only globally reachable unicast."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is None and address in _NAT64:
            mapped = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if mapped is not None:
            return address_allowed(mapped, allow_loopback=allow_loopback)
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an http(s) URL; Refused for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("The URL is not well formed.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("Only http:// and https:// URLs can be fetched.")
    if parts.username is not None or parts.password is not None:
        raise Refused("URLs with a user name or password are not accepted.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("The URL has no host.")
    return scheme, host, port or (443 if scheme == "https" else 80)


@dataclass
class _Guard:
    """Resolves a host and picks the addresses the settings allow; Refused if any is not."""

    settings: OutboundSettings
    resolver: Resolver

    def addresses(self, host: str, port: int) -> list[str]:
        try:
            literal: Address | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        found = [str(literal)] if literal is not None else self.resolver(host, port)
        if not found:
            raise Refused(f"The host name {host!r} does not resolve.")
        for text in found:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not address_allowed(address, allow_loopback=self.settings.allow_loopback):
                # One bad address refuses the name: a host that answers with both a
                # public and a private address is not a partner's web server.
                raise Refused(f"{host} resolves to {address}, which is not a public address.")
        return found


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to addresses the guard allowed."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last_error: Exception | None = None
        for address in self._guard.addresses(host, port):
            try:
                return self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's interface
        self._backend.sleep(seconds)


class Client:
    """A pooled, thread-safe client; one per process is enough (keep-alive is shared)."""

    def __init__(self, settings: OutboundSettings, *, resolver: Resolver | None = None) -> None:
        self.settings = settings
        context = ssl.create_default_context(cafile=certifi.where())
        if settings.ca_bundle:
            context.load_verify_locations(cafile=settings.ca_bundle)
        self._guard = _Guard(settings, resolver or system_resolver)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=settings.max_connections,
            network_backend=_GuardedBackend(self._guard),
            retries=0,
        )

    def close(self) -> None:
        self._pool.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        max_bytes: int | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request and read the answer; redirects come back as they are (3xx)."""
        check_url(url)
        limit = self.settings.max_bytes if max_bytes is None else max_bytes
        total = self.settings.total_timeout if timeout is None else timeout
        sent = {"user-agent": self.settings.user_agent, **(headers or {})}
        if body:
            sent.setdefault("content-length", str(len(body)))
        extensions = {
            "timeout": {
                "connect": min(self.settings.connect_timeout, total),
                "read": min(self.settings.read_timeout, total),
                "write": min(self.settings.read_timeout, total),
                "pool": min(self.settings.connect_timeout, total),
            }
        }
        started = time.monotonic()
        try:
            with self._pool.stream(
                method.upper(),
                url,
                headers=list(sent.items()),
                content=body or None,
                extensions=extensions,
            ) as answer:
                chunks: list[bytes] = []
                size = 0
                for chunk in answer.iter_stream():
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"The answer is larger than {limit} bytes.")
                    if time.monotonic() - started > total:
                        raise TimedOut(f"No complete answer within {total:g} s.")
                    chunks.append(chunk)
                stream = answer.extensions.get("network_stream")
                peer = stream.get_extra_info("server_addr") if stream is not None else None
                return Response(
                    status=answer.status,
                    headers={
                        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in answer.headers
                    },
                    body=b"".join(chunks),
                    elapsed=time.monotonic() - started,
                    address=str(peer[0]) if peer else "",
                )
        except (httpcore.ConnectTimeout, httpcore.ReadTimeout, httpcore.WriteTimeout) as exc:
            raise TimedOut("The server did not answer in time.") from exc
        except httpcore.PoolTimeout as exc:
            raise TimedOut("No free connection in time.") from exc
        except (httpcore.ConnectError, OSError) as exc:
            raise OutboundError(f"Could not connect: {exc}") from exc
        except (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError) as exc:
            raise OutboundError(f"The connection failed: {exc}") from exc
        except httpcore.UnsupportedProtocol as exc:
            raise Refused("Only http:// and https:// URLs can be fetched.") from exc
