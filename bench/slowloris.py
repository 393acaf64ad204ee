"""Slow-loris against the server as ``chatwarden serve`` runs it: how long do slow connections live?

Opens N connections from 127.0.0.1 (half send a request line and one header, then a header byte
every second; half send nothing), then prints how many the server still holds open at each
checkpoint, and how long a request from another address (127.0.0.2) takes meanwhile.

    .venv/bin/python bench/slowloris.py [--connections 300] [--seconds 60]
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from chatwarden.config import ServiceConfig
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from chatwarden.web.runtime import uvicorn_options


def _open(s: socket.socket, trickle: bool) -> bool:
    try:
        if s.recv(4096) == b"":
            return False
    except BlockingIOError:
        pass
    except OSError:
        return False
    if trickle:
        try:
            s.send(b"X")
        except BlockingIOError:
            pass
        except OSError:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = ServiceConfig(
            database_url=f"sqlite:///{Path(tmp) / 'db.sqlite'}",
            argon2_time_cost=1,
            argon2_memory_kib=64,
        )
        services = build_services(config)
        app = create_app(services, WebSettings())
        options = {**uvicorn_options(config), "loop": "asyncio"}
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **options)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = int(server.servers[0].sockets[0].getsockname()[1])
        socks = []
        started = time.monotonic()
        for i in range(args.connections):
            s = socket.create_connection(("127.0.0.1", port))
            if i % 2 == 0:
                s.sendall(b"GET /api/v1/channels HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            socks.append(s)
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport) as other:
            t0 = time.monotonic()
            status = other.get("/api/v1/channels").status_code
            print(f"another address during the attack: {status} in {time.monotonic() - t0:.3f} s")
        alive = list(range(len(socks)))
        checkpoints = [1, 5, 11, 15, 30, 60, 120]
        for at in [c for c in checkpoints if c <= args.seconds]:
            while time.monotonic() - started < at:
                time.sleep(1.0)
                alive = [i for i in alive if _open(socks[i], i % 2 == 0)]
            print(f"after {at:>3} s: {len(alive)} of {len(socks)} slow connections open")
        for s in socks:
            s.close()
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


if __name__ == "__main__":
    main()
