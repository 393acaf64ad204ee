"""Path parameters resolved to domain objects (a channel by name, a user by name)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from chatwarden.service.types import Channel, User
from chatwarden.web.state import services_of

NAME = Path(min_length=1, max_length=64)


async def channel_by_name(request: Request, name: Annotated[str, NAME]) -> Channel:
    """The channel named in the path (404 ``not_found`` if there is none)."""
    return await run_in_threadpool(services_of(request).channels.get_channel_by_name, name)


async def user_by_name(request: Request, username: Annotated[str, NAME]) -> User:
    """The user named in the path (404 ``not_found`` if there is none)."""
    return await run_in_threadpool(services_of(request).accounts.get_user_by_name, username)


ChannelArg = Annotated[Channel, Depends(channel_by_name)]
UserArg = Annotated[User, Depends(user_by_name)]
