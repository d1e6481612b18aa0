"""HTTPS on loopback: a CA bundle from SSL_CERT_FILE is trusted, an unknown CA is not.

The tests write their own CA and server certificate (tests/support/tls.py).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch.sources.http import HttpClient, HttpPolicy, HttpResult, Politeness, run_sync
from newswatch.sources.http.policy import NO_RETRIES
from tests.support.loopback import LoopbackServer, Reply
from tests.support.tls import write_ca_and_server_cert

HTML = b"<html><body><p>over TLS</p></body></html>"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopbackServer, Path]]:
    ca_path, cert_path, key_path = write_ca_and_server_cert(tmp_path_factory.mktemp("tls"))
    server = LoopbackServer()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.routes["/a"] = lambda _r: Reply(200, HTML, {"Content-Type": "text/html"})
    with server:
        yield server, ca_path


def _get(url: str, **options: object) -> HttpResult:
    policy = HttpPolicy(
        user_agent="t",
        allow_private_hosts=True,
        retry=NO_RETRIES,
        politeness=Politeness(per_host_delay=0.0),
        **options,  # type: ignore[arg-type]
    )

    async def go() -> HttpResult:
        async with HttpClient(policy) as http:
            return await http.get(url)

    return run_sync(go)


def test_a_ca_bundle_named_by_ssl_cert_file_is_trusted(
    tls_server: tuple[LoopbackServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca_path = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    result = _get(server.url("/a").replace("http://", "https://"))
    assert (result.outcome, result.http_status, result.body) == ("ok", 200, HTML)


def test_an_unknown_ca_fails_with_the_reason_and_is_not_retried(
    tls_server: tuple[LoopbackServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ca_path = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    result = _get(server.url("/a").replace("http://", "https://"))
    assert result.outcome == "failed"
    assert result.error == "TLS certificate not trusted: unable to get local issuer certificate"


def test_the_environment_is_ignored_when_trust_env_is_off(
    tls_server: tuple[LoopbackServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca_path = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    result = _get(server.url("/a").replace("http://", "https://"), trust_env=False)
    assert result.outcome == "failed" and result.error is not None
    assert result.error.startswith("TLS certificate not trusted")


def test_http2_on_still_fetches_from_an_http1_server(
    tls_server: tuple[LoopbackServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server offers no h2 in ALPN: the connection stays HTTP/1.1.
    server, ca_path = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    result = _get(server.url("/a").replace("http://", "https://"), http2=True)
    assert (result.outcome, result.body) == ("ok", HTML)
