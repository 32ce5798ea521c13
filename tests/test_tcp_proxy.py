"""The TCP proxy the outage test puts between the app and MariaDB: it forwards faithfully, and its
outage looks to clients like a crashed server (reset, then refused), then recovers on the same port."""
from __future__ import annotations

import socket
import socketserver
import threading

import pytest

from tests.helpers import wait_until
from tests.tcp_proxy import TcpProxy, through


class _Echo(socketserver.BaseRequestHandler):
    """Echoes every byte back; when the client ends its side, ends its own."""

    def handle(self) -> None:
        server = self.server
        with server.lock:
            server.open += 1
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
            server.clean_ends += 1
        except ConnectionResetError:
            server.resets += 1
        finally:
            with server.lock:
                server.open -= 1


@pytest.fixture
def echo():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.open = server.clean_ends = server.resets = 0
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(echo):
    with TcpProxy(*echo.server_address) as running:
        yield running


def _connect(proxy: TcpProxy) -> socket.socket:
    sock = socket.create_connection((proxy.host, proxy.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := sock.recv(size - len(data))):
        data += chunk
    return data


def test_bytes_flow_both_ways_unchanged_and_an_end_is_passed_on(proxy, echo):
    payload = bytes(range(256)) * 4096  # 1 MiB, more than any one buffer
    with _connect(proxy) as sock:
        sender = threading.Thread(target=sock.sendall, args=(payload,))
        sender.start()
        assert _receive(sock, len(payload)) == payload
        sender.join()
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(1) == b""  # the server saw the end and ended too
    assert wait_until(lambda: echo.clean_ends == 1 and proxy.open_connections == 0, timeout=5)
    assert proxy.accepted == 1


def test_going_down_resets_every_connection_on_both_sides(proxy, echo):
    clients = [_connect(proxy) for _ in range(3)]
    for sock in clients:
        sock.sendall(b"ping")
        assert _receive(sock, 4) == b"ping"
    assert proxy.go_down() == 3
    for sock in clients:
        with pytest.raises(ConnectionResetError):
            sock.recv(1)
        sock.close()
    assert wait_until(lambda: echo.open == 0, timeout=5)
    assert echo.resets == 3 and echo.clean_ends == 0


def test_while_down_connections_are_refused_then_accepted_again_on_the_same_port(proxy):
    port = proxy.port
    proxy.go_down()
    assert not proxy.up
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((proxy.host, port), timeout=5)
    proxy.come_back()
    assert proxy.up and proxy.port == port
    with _connect(proxy) as sock:
        sock.sendall(b"back")
        assert _receive(sock, 4) == b"back"


def test_an_unreachable_server_is_a_reset_for_the_client():
    with socket.socket() as placeholder:  # a port nobody listens on
        placeholder.bind(("127.0.0.1", 0))
        with TcpProxy(*placeholder.getsockname()) as proxy, _connect(proxy) as sock:
            with pytest.raises(ConnectionResetError):
                sock.recv(1)
            assert wait_until(lambda: proxy.open_connections == 0, timeout=5)


def test_stopping_frees_the_port_and_the_thread(echo):
    proxy = TcpProxy(*echo.server_address).start()
    with _connect(proxy) as sock:
        sock.sendall(b"x")
        assert _receive(sock, 1) == b"x"
        proxy.stop()
        with pytest.raises(ConnectionResetError):
            sock.recv(1)
    assert not proxy._thread.is_alive()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", proxy.port))


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://root@127.0.0.1:3306/test_infra", "mysql://root@127.0.0.1:{port}/test_infra"),
    ("mysql://app:p%40ss@db.example:3307/agenda?pool_size=4", "mysql://app:p%40ss@127.0.0.1:{port}/agenda?pool_size=4"),
    ("mysql://localhost/agenda", "mysql://127.0.0.1:{port}/agenda"),
])
def test_a_database_url_through_the_proxy_keeps_everything_but_the_address(proxy, url, expected):
    assert through(url, proxy) == expected.format(port=proxy.port)
