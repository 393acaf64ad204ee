"""Fuzz the whole HTTP API from its own OpenAPI document (schemathesis) against the real server.

Attack: any request a client can make, valid or not, shaped by the API's own description. Refusal:
no response is a 5xx, and every status the server answers is one the document lists for that
operation (``web/openapi.py`` documents the error statuses), so the document stays true.

The server is uvicorn on a free port (``tests/web/harness.py``) with a channel that has rows in
every table the ids point at. Each case is sent by the channel's owner or a moderator (session
cookie and CSRF header), by the owner's API token with every scope, or anonymously. Half the
cases use the real channel, users and small ids instead of the generated ones, so they get past
the lookups to the services. Each operation gets ``EXAMPLES`` valid and ``EXAMPLES // 2``
invalid cases within ``BUDGET_S`` seconds (checked between operations); operations reached
after that get one valid case each, so every operation is tried however slow the machine.
``CHATWARDEN_FUZZ_EXAMPLES``, ``CHATWARDEN_FUZZ_SEED`` and ``CHATWARDEN_FUZZ_BUDGET_S`` change
the size, the inputs and the time; the default seed gives the same cases on every run.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode

from chatwarden.clock import FakeClock
from chatwarden.service.permissions import SCOPES
from chatwarden.services import build_services
from chatwarden.web import WebSettings, create_app
from tests.web.harness import PASSWORD, LiveServer, make_config

EXAMPLES = int(os.environ.get("CHATWARDEN_FUZZ_EXAMPLES", "15"))
SEED = int(os.environ.get("CHATWARDEN_FUZZ_SEED", "1"))
BUDGET_S = float(os.environ.get("CHATWARDEN_FUZZ_BUDGET_S", "60"))
#: operations fuzzed last: they end the caller's own session
LAST = {("DELETE", "/api/v1/sessions/current")}

USERS = ("owner", "mod", "alice", "mallory")
#: who sends each case (drawn per case): mostly the owner, who may do the most
CALLERS = ("owner", "owner", "owner", "mod", "bot", "anonymous")


@dataclass
class Target:
    """The server and its callers: ``owner`` and ``mod`` (session cookie + CSRF header),
    ``bot`` (the owner's API token with every scope) and ``anonymous``."""

    base_url: str
    spec: dict[str, Any]
    ids: list[int]
    callers: dict[str, requests.Session] = field(default_factory=dict)

    def login(self, name: str) -> None:
        session = self.callers.setdefault(name, requests.Session())
        session.cookies.clear()
        r = session.post(
            f"{self.base_url}/api/v1/sessions",
            json={"username": name, "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        session.headers["X-CSRF-Token"] = r.json()["csrf_token"]

    def new_token(self) -> None:
        r = self.callers["owner"].post(
            f"{self.base_url}/api/v1/tokens",
            json={"name": "fuzz", "scopes": list(SCOPES)},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        bot = self.callers.setdefault("bot", requests.Session())
        bot.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def start(self) -> None:
        self.login("owner")
        self.login("mod")
        self.new_token()
        self.callers["anonymous"] = requests.Session()

    def revive(self) -> None:
        """Log in again, or make a new token, for a caller an operation logged out or revoked."""
        for name in ("owner", "mod", "bot"):
            me = self.callers[name].get(f"{self.base_url}/api/v1/me", timeout=10)
            if name == "bot" and me.status_code == 401:
                self.new_token()
            elif name != "bot" and (me.status_code == 401 or me.json()["username"] != name):
                # a fuzzed login as an account the fuzzer registered replaced the cookie
                self.login(name)

    def close(self) -> None:
        for session in self.callers.values():
            session.close()


@dataclass
class Findings:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    undocumented: list[str] = field(default_factory=list)


def _setup(base_url: str) -> Target:
    """People, a channel ``main`` and a row in each table the API's ids name."""
    http = requests.Session()
    for name in (*USERS, "other"):
        r = http.post(
            f"{base_url}/api/v1/accounts", json={"username": name, "password": PASSWORD}, timeout=10
        )
        assert r.status_code == 201, r.text
    sessions: dict[str, requests.Session] = {}
    for name in (*USERS, "other"):
        s = requests.Session()
        r = s.post(
            f"{base_url}/api/v1/sessions",
            json={"username": name, "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        sessions[name] = s
    owner, alice = sessions["owner"], sessions["alice"]
    api = f"{base_url}/api/v1"

    def ok(r: requests.Response) -> dict[str, Any]:
        assert r.status_code < 300, r.text
        return r.json() if r.content else {}

    ok(owner.post(f"{api}/channels", json={"name": "main"}))
    ok(sessions["other"].post(f"{api}/channels", json={"name": "other"}))
    ok(owner.put(f"{api}/channels/main/roles/mod", json={"role": "moderator"}))
    ok(alice.put(f"{api}/channels/main/follow"))
    ok(owner.post(f"{api}/channels/main/automod/terms", json={"text": "bananas"}))
    ok(owner.post(f"{api}/tokens", json={"name": "bot", "scopes": ["chat:write"]}))
    texts = ("hello there", "you are a worthless idiot and everyone hates you")  # one held
    for i, text in enumerate(texts):
        body = {"text": text, "idempotency_key": str(i)}
        ok(alice.post(f"{api}/channels/main/messages", json=body))
    ok(owner.post(f"{api}/channels/main/users/alice/notes", json={"text": "a note"}))
    ok(owner.put(f"{api}/channels/main/bans/mallory", json={"reason": "spam"}))
    ok(sessions["mallory"].post(f"{api}/channels/main/unban-requests", json={"text": "sorry"}))
    ok(owner.post(f"{api}/channels/main/policy-lists", json={"name": "shared-list"}))
    spec = http.get(f"{base_url}/openapi.json", timeout=10).json()
    target = Target(base_url, spec, ids=[1, 2, 3])
    target.start()
    for s in (*sessions.values(), http):
        s.close()
    return target


@contextlib.contextmanager
def _server(database_url: str) -> Iterator[str]:
    services = build_services(make_config(database_url), clock=FakeClock())
    # limits far above the fuzz run's request count, so cases reach the routes (429 is
    # still documented and allowed)
    web = WebSettings(tick_interval_s=0.5, api_requests=1_000_000, auth_requests=1_000_000)
    app = create_app(services, web)
    try:
        with LiveServer(app) as live:
            yield f"http://127.0.0.1:{live.port}"
    finally:
        services.close()


def _known(case: Any, target: Target, data: st.DataObject) -> None:
    """Replace generated path values by real ones (the channel, its people, small ids)."""
    params = case.path_parameters or {}
    for key in params:
        if key == "name":
            params[key] = "main"
        elif key in ("username",):
            params[key] = data.draw(st.sampled_from(USERS))
        elif key == "partner":
            params[key] = "other"
        elif key.endswith("_id") and key != "message_id":
            params[key] = data.draw(st.sampled_from(target.ids))


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    target: Target,
    found: Findings,
) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    documented = set(target.spec["paths"][operation.path][operation.method.lower()]["responses"])
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis.seed(SEED * 1_000_003 + zlib.crc32(f"{label} {mode.value}".encode()))
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        if data.draw(st.booleans()):
            _known(case, target, data)
        caller = target.callers[data.draw(st.sampled_from(CALLERS))]
        try:
            response = case.call(base_url=target.base_url, session=caller, timeout=30)
        except requests.RequestException as exc:  # no answer at all counts as a server error
            found.cases += 1
            found.server_errors.append(f"{label} -> {exc!r}: {case.as_curl_command()}")
            return
        found.cases += 1
        found.statuses[response.status_code] += 1
        if response.status_code >= 500:
            found.server_errors.append(
                f"{label} -> {response.status_code}: {case.as_curl_command()}"
            )
        elif str(response.status_code) not in documented:
            found.undocumented.append(
                f"{label} -> {response.status_code} (documented: {sorted(documented)}): "
                f"{response.text[:200]} <- {case.as_curl_command()}"
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, label  # nothing to get wrong (no input)


def test_no_request_gets_a_5xx_or_an_undocumented_status(database_url: str) -> None:
    start = time.monotonic()
    deadline = start + BUDGET_S
    with _server(database_url) as base_url:
        target = _setup(base_url)
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        operations.sort(key=lambda op: (op.method.upper(), op.path) in LAST)
        found = Findings()
        late = 0  # operations reached after the budget: one valid case each
        for operation in operations:
            # the budget is checked between operations: hypothesis needs every run of a test
            # to draw the same way, so a run is never cut short
            over = time.monotonic() > deadline
            late += over
            plan = [(GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, EXAMPLES // 2)]
            for mode, examples in [(GenerationMode.POSITIVE, 1)] if over else plan:
                _fuzz(operation, mode, max(1, examples), target, found)
                target.revive()
        target.close()
    elapsed = time.monotonic() - start
    print(
        f"\nfuzz: {len(operations)} operations ({late} after the budget, one case each), "
        f"{found.cases} cases in {elapsed:.1f} s (seed {SEED}); "
        f"statuses {dict(sorted(found.statuses.items()))}"
    )
    assert len(operations) >= 80, "the OpenAPI document lost operations"
    assert not found.server_errors, "\n".join(found.server_errors[:20])
    assert not found.undocumented, "\n".join(found.undocumented[:20])
