"""The per-IP limits on requests that need no login: sign-ups and logins, each said as itself."""

from __future__ import annotations

from chatwarden.web import WebSettings
from tests.web.harness import PASSWORD, World

ADDRESS = {"X-Forwarded-For": "198.51.100.77"}  # one client (the harness believes the header)


def test_the_sign_up_limit_speaks_of_sign_ups_and_leaves_logins_alone(world: World) -> None:
    per_ip = WebSettings().auth_requests
    with world.client() as http:
        codes = [
            http.post(
                "/api/v1/accounts",
                json={"username": f"newbie{i}", "password": PASSWORD},
                headers=ADDRESS,
            ).status_code
            for i in range(per_ip)
        ]
        over = http.post(
            "/api/v1/accounts", json={"username": "onemore", "password": PASSWORD}, headers=ADDRESS
        )
        login = http.post(
            "/api/v1/sessions", json={"username": "alice", "password": PASSWORD}, headers=ADDRESS
        )
    assert codes == [201] * per_ip
    assert over.status_code == 429
    message = over.json()["error"]["message"]
    assert message.startswith("too many sign-ups: at most") and "login" not in message
    assert login.status_code == 201, login.text  # counted apart from sign-ups


def test_the_login_limit_speaks_of_login_attempts(world: World) -> None:
    per_ip = WebSettings().auth_requests
    with world.client() as http:
        for i in range(per_ip):  # a different account each time: only the per-IP limit fills
            http.post(
                "/api/v1/sessions", json={"username": f"ghost{i}", "password": "x"}, headers=ADDRESS
            )
        over = http.post(
            "/api/v1/sessions", json={"username": "alice", "password": PASSWORD}, headers=ADDRESS
        )
    assert over.status_code == 429
    assert over.json()["error"]["message"].startswith("too many login attempts: at most")
