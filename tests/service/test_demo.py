"""``chatwarden serve --demo``: the seeded channel fills its review queue by itself."""

import asyncio
import contextlib

from chatwarden.demo import CHANNEL, MODERATOR, drive_traffic, seed
from chatwarden.services import Services


def test_demo_traffic_fills_the_queue_and_the_chat(services: Services) -> None:
    logins = seed(services)
    assert {login.role for login in logins} == {"owner", "moderator"}
    channel = services.channels.get_channel_by_name(CHANNEL)

    async def run_for_a_while() -> None:
        task = asyncio.create_task(drive_traffic(services, seed_value=7, mean_interval_s=0.002))
        await asyncio.sleep(2.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(run_for_a_while())
    moderator = services.accounts.authenticate(services.accounts.login(*MODERATOR).token)
    held = services.review.list_pending(moderator, channel.id)
    delivered = services.chat.recent_messages(channel.id)
    assert held, "toxic and obfuscated demo lines are held for review"
    assert all(item.reasons for item in held)
    assert len(delivered) >= 10, "ordinary demo chat is delivered"
    # the demo channel opted into the spam filters: the spam lines are removed and explained
    removed = services.modlog.list_entries(moderator, channel.id, action="detection.delete")
    assert removed and all(entry.reason for entry in removed)
    assert seed(services) == logins  # a second run reuses everything
