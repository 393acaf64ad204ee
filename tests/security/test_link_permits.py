"""Low: link permits for people the moderator does not outrank.

Attack: a moderator grants ``!permit`` (links outside the channel's allow-list) to the owner,
to a lead moderator, to another moderator or to themselves, acting on people above or beside
them. Expected: 403, as for every other action on a person; a lead moderator may still permit
a moderator, and a moderator a viewer.
"""

from __future__ import annotations

import pytest

from tests.web.harness import World


def _permit(world: World, actor: str, target: str) -> int:
    return world[actor].http.put(f"/api/v1/channels/main/permits/{target}").status_code


@pytest.mark.parametrize(
    ("actor", "target"),
    [("mod", "owner"), ("mod", "lead"), ("mod", "mod"), ("lead", "owner"), ("lead", "lead")],
)
def test_no_permit_for_someone_not_outranked(world: World, actor: str, target: str) -> None:
    assert _permit(world, actor, target) == 403
    modlog = world["owner"].http.get("/api/v1/channels/main/modlog?action=detection.permit")
    assert modlog.json() == []


def test_permits_down_the_ranks_still_work(world: World) -> None:
    assert _permit(world, "mod", "alice") == 200
    assert _permit(world, "mod", "vip") == 200
    assert _permit(world, "lead", "mod") == 200
    assert _permit(world, "owner", "lead") == 200
