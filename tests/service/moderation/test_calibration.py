"""Team calibration from what the team did: a split (near-identical held messages decided both
ways), a reversal (an allow, then a timeout of the sender), workload per moderator, and a lead
moderator settling a disagreement into a channel rule. Real services on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from chatwarden.clock import FakeClock
from chatwarden.errors import Conflict, Forbidden, InputError, NotFound
from chatwarden.service.moderation.calibration import term_text
from chatwarden.service.moderation.review import Verdict
from chatwarden.service.types import Actor
from chatwarden.services import Services
from tests.service.conftest import Cast

TOXIC = "you are a worthless idiot and everyone hates you"


def hold_and_decide(
    services: Services, cast: Cast, sender: Actor, text: str, mod: Actor, verdict: Verdict
) -> int:
    result = services.chat.send_message(sender, cast.channel.id, text)
    assert result.status == "held", result
    item = next(
        i
        for i in services.review.list_pending(mod, cast.channel.id)
        if i.message.id == result.message_id
    )
    services.review.resolve(mod, item.id, verdict)
    return item.id


def test_a_split_a_reversal_and_the_workload(
    services: Services, cast: Cast, clock: FakeClock
) -> None:
    cid = cast.channel.id
    allowed = hold_and_decide(services, cast, cast.mallory, TOXIC, cast.mike, "allow")
    clock.advance(60)
    denied = hold_and_decide(services, cast, cast.victor, TOXIC + "!", cast.lena, "deny")
    clock.advance(120)
    services.actions.timeout(cast.lena, cid, cast.mallory.user_id, 600, "after all")
    report = services.calibration.report(cast.mike, cid)
    kinds = {d.kind: d for d in report.disagreements}
    assert set(kinds) == {"split", "reversal"}
    split = kinds["split"]
    assert split.first.item_id == denied and split.second is not None
    assert split.second.item_id == allowed
    assert split.explanation == (
        "near-identical messages decided both ways: mike allowed it and lena denied it"
    )
    reversal = kinds["reversal"]
    assert reversal.first.item_id == allowed
    assert reversal.explanation == "mike allowed it; lena timed out mallory 3 min later"
    load = {w.moderator_name: w for w in report.workload}
    assert (load["mike"].allowed, load["mike"].denied, load["mike"].actions) == (1, 0, 0)
    assert (load["lena"].allowed, load["lena"].denied, load["lena"].actions) == (0, 1, 1)
    # outside the window, nothing
    clock.advance(8 * 86400)
    empty = services.calibration.report(cast.mike, cid)
    assert empty.disagreements == () and empty.workload == ()


def test_viewers_may_not_read_the_report_and_days_are_bounded(
    services: Services, cast: Cast
) -> None:
    with pytest.raises(Forbidden):
        services.calibration.report(cast.vera, cast.channel.id)
    with pytest.raises(InputError, match="days must be between 1 and 90"):
        services.calibration.report(cast.mike, cast.channel.id, days=0)


def test_a_lead_settles_a_disagreement_into_a_channel_rule(services: Services, cast: Cast) -> None:
    cid = cast.channel.id
    item = hold_and_decide(services, cast, cast.mallory, TOXIC, cast.mike, "allow")
    with pytest.raises(Forbidden):  # a moderator may read, not settle
        services.calibration.settle(cast.mike, cid, item, "deny")
    term = services.calibration.settle(cast.lena, cid, item, "deny")
    assert term.kind == "blocked" and term.text == TOXIC
    log = services.modlog.list_entries(cast.lena, cid, limit=5)
    assert [e.action for e in log[:2]] == ["calibration.settle", "automod.terms.add"]
    assert log[0].details == {"review_item_id": item, "verdict": "deny", "term_id": term.id}
    # the rule applies: the same words are now blocked outright
    again = services.chat.send_message(cast.victor, cid, TOXIC)
    assert again.status == "blocked"
    with pytest.raises(Conflict):  # settled twice: the term exists
        services.calibration.settle(cast.lena, cid, item, "deny")
    with pytest.raises(NotFound):
        services.calibration.settle(cast.lena, cid, item + 1000, "allow")
    with pytest.raises(InputError, match="verdict must be"):
        services.calibration.settle(cast.lena, cid, item, "maybe")  # type: ignore[arg-type]


def test_term_text_is_the_words_without_wildcards_within_the_limit() -> None:
    assert term_text("  Go *BACK*  to bronze ") == "go back to bronze"
    long = " ".join(["word"] * 200)
    assert len(term_text(long)) <= 500 and term_text(long).endswith("word")
    with pytest.raises(InputError):
        term_text("* !")
