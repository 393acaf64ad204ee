"""Path parameters resolved to domain objects (a channel by name, a user by name), and row ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from chatwarden.errors import NotFound
from chatwarden.service.types import Channel, User
from chatwarden.web.state import services_of

NAME = Path(min_length=1, max_length=64)

#: The largest row id: ids are INTEGER columns, 32-bit on PostgreSQL (64-bit on SQLite).
MAX_ID = 2**31 - 1


def _row_id(value: int) -> int:
    """An id no row can have names nothing: 404, before it reaches the database (where a
    PostgreSQL ``integer out of range`` or SQLite's 64-bit overflow would be a 500)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"nothing has the id {value}")
    return value


async def channel_by_name(request: Request, name: Annotated[str, NAME]) -> Channel:
    """The channel named in the path (404 ``not_found`` if there is none)."""
    return await run_in_threadpool(services_of(request).channels.get_channel_by_name, name)


async def user_by_name(request: Request, username: Annotated[str, NAME]) -> User:
    """The user named in the path (404 ``not_found`` if there is none)."""
    return await run_in_threadpool(services_of(request).accounts.get_user_by_name, username)


ChannelArg = Annotated[Channel, Depends(channel_by_name)]
UserArg = Annotated[User, Depends(user_by_name)]
#: A row id in the path (API token, review item, term, note, ...): out of range is 404.
RowId = Annotated[int, Path(description="A row id."), AfterValidator(_row_id)]
