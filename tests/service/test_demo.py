"""``chatwarden serve --demo``: the seeded channel fills its review queue by itself."""

import asyncio
import contextlib

from chatwarden.demo import CHANNEL, MODERATOR, drive_traffic, seed
from chatwarden.service.types import ChatMessage, ModLogEntry, ReviewItem
from chatwarden.services import Services


def test_demo_traffic_fills_the_queue_and_the_chat(services: Services) -> None:
    logins = seed(services)
    assert {login.role for login in logins} == {"owner", "moderator"}
    channel = services.channels.get_channel_by_name(CHANNEL)

    moderator = services.accounts.authenticate(services.accounts.login(*MODERATOR).token)

    def traffic_so_far() -> tuple[list[ReviewItem], list[ChatMessage], list[ModLogEntry]]:
        return (
            services.review.list_pending(moderator, channel.id),
            services.chat.recent_messages(channel.id),
            services.modlog.list_entries(moderator, channel.id, action="detection.delete"),
        )

    async def run_until_each_kind_is_seen() -> None:
        """Drive traffic until a line was held, ten delivered and a spam line removed (on a
        loaded machine that takes longer, not fails); 120 s at most."""
        task = asyncio.create_task(drive_traffic(services, seed_value=7, mean_interval_s=0.002))
        try:
            async with asyncio.timeout(120):
                while True:
                    held, delivered, removed = await asyncio.to_thread(traffic_so_far)
                    if held and len(delivered) >= 10 and removed:
                        return
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(run_until_each_kind_is_seen())
    held, delivered, removed = traffic_so_far()
    assert held, "toxic and obfuscated demo lines are held for review"
    assert all(item.reasons for item in held)
    assert len(delivered) >= 10, "ordinary demo chat is delivered"
    # the demo channel opted into the spam filters: the spam lines are removed and explained
    assert removed and all(entry.reason for entry in removed)
    assert seed(services) == logins  # a second run reuses everything
