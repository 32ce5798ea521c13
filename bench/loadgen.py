"""A small asyncio HTTP/1.1 load generator, run as its own process.

Two modes, each printing one JSON line with its figures:

- `scripts`: N scripted clients at once, each sending its own requests strictly in order
  (a WhatsApp conversation: each message waits for the previous reply);
- `rate`: an open loop at a fixed rate; latency is measured from the moment a request was due,
  so a slow server cannot hide its queueing (no coordinated omission).

Input: a file with one request per line, `<client>\\t<X-Twilio-Signature>\\t<form body>`.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import time


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def post(host: str, port: int, path: str, signature: str, body: bytes, timeout: float = 30.0) -> int:
    """One request on a fresh connection (gunicorn's sync workers close after each reply)."""
    return await asyncio.wait_for(_post(host, port, path, signature, body), timeout)


async def _post(host: str, port: int, path: str, signature: str, body: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    writer.write(head.encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    if length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return status


def load_requests(path: str) -> dict[str, list[tuple[str, bytes]]]:
    by_client: dict[str, list[tuple[str, bytes]]] = collections.OrderedDict()
    with open(path) as handle:
        for line in handle:
            client, signature, body = line.rstrip("\n").split("\t", 2)
            by_client.setdefault(client, []).append((signature, body.encode()))
    return by_client


async def _timed_post(host: str, port: int, path: str, signature: str, body: bytes, since: float,
                      latencies: list[float], errors: collections.Counter) -> None:
    """Posts one request; records its latency from `since`, or what went wrong."""
    try:
        status = await post(host, port, path, signature, body)
    except (TimeoutError, OSError) as exc:
        errors[type(exc).__name__] += 1
        return
    latencies.append(time.perf_counter() - since)
    if status != 200:
        errors[str(status)] += 1


async def run_scripts(host: str, port: int, path: str, scripts: dict[str, list[tuple[str, bytes]]]) -> dict:
    latencies: list[float] = []
    errors = collections.Counter()

    async def client(requests: list[tuple[str, bytes]]) -> None:
        for signature, body in requests:
            await _timed_post(host, port, path, signature, body, time.perf_counter(), latencies, errors)

    started = time.perf_counter()
    await asyncio.gather(*(client(requests) for requests in scripts.values()))
    elapsed = time.perf_counter() - started
    return _summary(latencies, elapsed, errors)


async def run_rate(host: str, port: int, path: str, requests: list[tuple[str, str, bytes]], rate: float,
                   sent_at: dict[str, float] | None = None) -> dict:
    """An open loop: request i is due at start + i / rate. `sent_at`, when given, gets each
    client's wall-clock due time (to match replies that arrive elsewhere)."""
    latencies: list[float] = []
    errors = collections.Counter()
    start = time.perf_counter() + 0.05
    wall = time.time() + 0.05

    async def one(i: int, client: str, signature: str, body: bytes) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if sent_at is not None:
            sent_at[client] = wall + i / rate
        await _timed_post(host, port, path, signature, body, due, latencies, errors)

    await asyncio.gather(*(one(i, c, s, b) for i, (c, s, b) in enumerate(requests)))
    elapsed = time.perf_counter() - start
    return _summary(latencies, elapsed, errors)


def _summary(latencies: list[float], elapsed: float, errors) -> dict:
    ordered = sorted(latencies)
    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(ordered, 0.50) * 1000, 2), "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0, "errors": dict(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("scripts", "rate"))
    parser.add_argument("url", help="http://127.0.0.1:8101/whatsapp")
    parser.add_argument("requests", help="the request file")
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--record", help="rate mode: write each client's wall-clock send time here (JSON)")
    args = parser.parse_args()
    _, rest = args.url.split("://", 1)
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    scripts = load_requests(args.requests)
    if args.mode == "scripts":
        result = asyncio.run(run_scripts(host, int(port), "/" + path, scripts))
    else:
        flat = [(client, *request) for client, requests in scripts.items() for request in requests]
        sent_at: dict[str, float] = {}
        result = asyncio.run(run_rate(host, int(port), "/" + path, flat, args.rate, sent_at))
        if args.record:
            with open(args.record, "w") as handle:
                json.dump(sent_at, handle)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
