"""A private Synapse on loopback: the Matrix connector tests' homeserver (``conftest.synapse``)
and ``bench/connectors.py --platform matrix``'s. SQLite, one client listener on 127.0.0.1 (a
free port), no federation, users registered through the shared-secret admin API.

No pytest here, so the bench can import it (``python -m bench.connectors`` from the
repository root).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from tests.connectors.ngircd import free_port

SERVER_NAME = "chatwarden.test"


def synapse_available() -> bool:
    """Whether the ``synapse`` package (PyPI ``matrix-synapse``, the test extra) imports."""
    try:
        import synapse  # noqa: F401
    except ImportError:
        return False
    return True


def synapse_config(folder: Path, port: int, shared_secret: str) -> str:
    """A homeserver.yaml: loopback only, SQLite, no federation or presence, rate limits high
    enough for the tests and the bench (a test lowers one user's with the admin API)."""
    high = "{per_second: 10000, burst_count: 10000}"
    return f"""server_name: "{SERVER_NAME}"
pid_file: "{folder}/homeserver.pid"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{folder}/homeserver.db"
log_config: "{folder}/log.yaml"
media_store_path: "{folder}/media"
signing_key_path: "{folder}/signing.key"
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{shared_secret}-macaroon"
form_secret: "{shared_secret}-form"
report_stats: false
bcrypt_rounds: 4
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
presence:
  enabled: false
enable_metrics: false
url_preview_enabled: false
rc_message: {high}
rc_registration: {high}
rc_login:
  address: {high}
  account: {high}
  failed_attempts: {high}
rc_joins:
  local: {high}
  remote: {high}
rc_joins_per_room: {high}
rc_invites:
  per_room: {high}
  per_user: {high}
  per_issuer: {high}
rc_admin_redaction: {high}
rc_3pid_validation: {high}
rc_room_creation: {high}
"""


LOG_CONFIG = """version: 1
formatters:
  plain:
    format: "%(asctime)s %(name)s %(levelname)s %(message)s"
handlers:
  file:
    class: logging.FileHandler
    formatter: plain
    filename: "{path}"
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


@dataclass(frozen=True)
class MatrixUser:
    user_id: str
    access_token: str
    password: str


class Synapse:
    """Synapse (``python -m synapse.app.homeserver``) in a child process, its files in
    ``folder``. ``start`` waits until the client API answers; ``kill`` (SIGKILL) and ``start``
    again restart it on the same port with the same database (the bench's soak)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shared_secret = secrets.token_hex(16)
        self.config = folder / "homeserver.yaml"
        self.proc: subprocess.Popen[bytes] | None = None
        self._out: IO[str] | None = None

    def _write_files(self) -> None:
        from signedjson.key import generate_signing_key, write_signing_keys

        (self.folder / "media").mkdir(exist_ok=True)
        (self.folder / "log.yaml").write_text(LOG_CONFIG.format(path=self.folder / "synapse.log"))
        self.config.write_text(synapse_config(self.folder, self.port, self.shared_secret))
        key = self.folder / "signing.key"
        if not key.exists():
            with key.open("w") as f:
                write_signing_keys(f, [generate_signing_key("a_cw")])

    def start(self, timeout_s: float = 90.0) -> None:
        """Start it; RuntimeError, with its output, when it does not answer in time."""
        self._write_files()
        self._out = (self.folder / "stdout.log").open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config)],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/_matrix/client/versions", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        out = (self.folder / "stdout.log").read_text()[-3000:]
        raise RuntimeError(f"Synapse did not start on {self.url}:\n{out}")

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is flushed or said to the clients."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
        self.stop()
        (self.folder / "homeserver.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def register(self, localpart: str, *, admin: bool = False) -> MatrixUser:
        """A new user through the shared-secret registration API (``/_synapse/admin/v1/
        register``: a nonce, then the HMAC-SHA1 of nonce, name, password and admin)."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).json()["nonce"]
        password = secrets.token_hex(12)
        # the MAC covers the four parts joined by NUL, without a trailing one
        parts = (nonce, localpart, password, "admin" if admin else "notadmin")
        message = b"\x00".join(p.encode() for p in parts)
        digest = hmac.new(self.shared_secret.encode(), message, hashlib.sha1).hexdigest()
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": digest,
        }
        resp = httpx.post(endpoint, json=body, timeout=30)
        resp.raise_for_status()
        data: dict[str, Any] = resp.json()
        return MatrixUser(str(data["user_id"]), str(data["access_token"]), password)

    def api(self, user: MatrixUser, method: str, path: str, **kw: Any) -> Any:
        """One client-server call as ``user`` (set-up in tests and the bench); the JSON."""
        resp = httpx.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {user.access_token}"},
            timeout=30,
            **kw,
        )
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json()
