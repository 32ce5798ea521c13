"""A TCP proxy on its own loopback port in front of one server, so a test can take the server
away from the app without touching the server itself.

The app under test is pointed at the proxy (`through(url, proxy)`). `go_down()` resets every
connection passing through it, as a crashed server's kernel does, and refuses new ones (the
port stays bound but stops listening, so a connect gets "connection refused"); `come_back()`
accepts again. The real server, which other programs and test runs share, never notices.

    with TcpProxy("127.0.0.1", 3306) as proxy:
        app_url = through("mysql://root@127.0.0.1:3306/db", proxy)
        ...
        proxy.go_down()
        ...
        proxy.come_back()

It runs an asyncio loop in a daemon thread; the methods above are called from any other thread.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from urllib.parse import urlsplit, urlunsplit

_CHUNK = 65536
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST instead of FIN


def _reset(writer: asyncio.StreamWriter | None) -> None:
    """Drops a connection the hard way (RST), without flushing what is buffered."""
    if writer is None or writer.transport.is_closing():
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    writer.transport.abort()


class _Link:
    """One client connection and, once opened, its connection to the server."""

    def __init__(self, client: asyncio.StreamWriter):
        self.client = client
        self.server: asyncio.StreamWriter | None = None
        self.task: asyncio.Task | None = None

    def reset(self) -> None:
        _reset(self.client)
        _reset(self.server)
        if self.task is not None:
            self.task.cancel()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to upstream_host:upstream_port, with an outage switch."""

    def __init__(self, upstream_host: str, upstream_port: int, *, connect_timeout: float = 3.0):
        self.upstream = (upstream_host, upstream_port)
        self.connect_timeout = connect_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.accepted = 0  # connections accepted while up
        self._links: set[_Link] = set()
        self._sock: socket.socket | None = None  # bound to our port; listening only while up
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)

    # --- from the test's thread ------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._sock = self._bind(0)
        self.port = self._sock.getsockname()[1]
        self._thread.start()
        self._call(self._listen())
        return self

    def go_down(self) -> int:
        """Resets every open connection and refuses new ones. Returns how many it reset."""
        return self._call(self._go_down())

    def come_back(self) -> None:
        """Accepts connections again, on the same port."""
        self._call(self._listen())

    @property
    def up(self) -> bool:
        return self._server is not None

    @property
    def open_connections(self) -> int:
        return len(self._links)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._go_down())
        self._call(asyncio.sleep(0.01))  # lets the aborted transports finish closing
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        return sock

    # --- in the proxy's loop -----------------------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, sock=self._sock)

    async def _go_down(self) -> int:
        if self._server is not None:
            # Closing the listening socket frees the port; a bound socket that does not listen
            # keeps it ours, and the kernel answers every connect to it with a refusal.
            self._server.close()
            self._server = None
            self._sock = self._bind(self.port)
        links = list(self._links)
        for link in links:
            link.reset()
        if links:
            await asyncio.gather(*(link.task for link in links if link.task), return_exceptions=True)
        return len(links)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:  # accepted just before going down, handled just after
            _reset(writer)
            return
        self.accepted += 1
        link = _Link(writer)
        link.task = asyncio.current_task()
        self._links.add(link)
        try:
            server_reader, link.server = await asyncio.wait_for(
                asyncio.open_connection(*self.upstream), self.connect_timeout)
            pumps = [asyncio.ensure_future(self._pump(reader, link.server)),
                     asyncio.ensure_future(self._pump(server_reader, writer))]
            try:
                done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
                if any(task.exception() for task in done):  # one side reset: so does the other
                    link.reset()
                else:
                    await asyncio.gather(*pumps)
            finally:
                for task in pumps:
                    task.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        except OSError:  # TimeoutError included
            link.reset()  # the server cannot be reached: the client sees a reset
        except asyncio.CancelledError:
            link.reset()  # go_down() or stop()
        finally:
            self._links.discard(link)
            for side in (link.client, link.server):
                if side is not None and not side.transport.is_closing():
                    side.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copies one direction until end of file, then passes the end of file on."""
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof() and not writer.transport.is_closing():
            writer.write_eof()


def through(url: str, proxy: TcpProxy) -> str:
    """The same database URL (user, password, database, options), reached through the proxy."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{proxy.host}:{proxy.port}" if credentials else f"{proxy.host}:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))
