"""对话记录: conversations by channel, person and date; one conversation's turns; one turn (linked from the audit
log and from a customer's page). Read-only managers may open these pages, with personal data masked, and see
only their reporting tree's turns when their account is linked to a colleague."""

from __future__ import annotations

from aiohttp import web

from salesbot.admin import conversations as conv
from salesbot.admin.pages import Listing, app_of, managers_may_read, principal_of, render

routes = web.RouteTableDef()
FILTERS = ("channel", "person", "since", "until")
TURNS_PER_PAGE = 20


def _masked(request: web.Request) -> bool:
    """Only accounts that may change things (admins) see phone numbers, e-mails and ID numbers in clear."""
    return not principal_of(request).can_write


async def _scope(request: web.Request) -> set[int] | None:
    """A manager account linked to a colleague sees its reporting tree's turns only (as in the chat, where a
    manager reads their team's records); admins and unlinked manager accounts see every turn."""
    principal = principal_of(request)
    if principal.can_write or principal.staff_user_id is None:
        return None
    return await conv.reporting_tree(app_of(request).db, principal.staff_user_id)


@routes.get("/conversations")
@managers_may_read
async def conversations_page(request: web.Request) -> web.Response:
    app = app_of(request)
    f = conv.filter_from_query(request.query)
    listing = Listing.start(request, keep=FILTERS)
    listing.items, listing.total = await conv.list_conversations(
        app.db,
        f,
        app.settings.timezone,
        offset=listing.offset,
        limit=listing.size,
        masked=_masked(request),
        scope=await _scope(request),
    )
    return await render(
        request,
        "conversations.html",
        "conversations",
        listing=listing,
        f=f,
        channels=sorted(set(await conv.channels_seen(app.db)) | set(conv.PLATFORM_LABELS)),
        masked=_masked(request),
    )


@routes.get("/conversations/view")
@managers_may_read
async def conversation_page(request: web.Request) -> web.Response:
    app = app_of(request)
    platform, key = request.query.get("platform", "")[:32], request.query.get("key", "")[:200]
    if not platform or not key:
        raise web.HTTPNotFound(text="没有指定对话")
    f = conv.filter_from_query(request.query)
    listing = Listing.start(request, size=TURNS_PER_PAGE, keep=("since", "until"), fixed=("platform", "key"))
    scope = await _scope(request)
    ids, listing.total = await conv.conversation_turn_ids(
        app.db, platform, key, f, app.settings.timezone, offset=listing.offset, limit=listing.size, scope=scope
    )
    if listing.total == 0 and not f.q and not f.since and not f.until:
        raise web.HTTPNotFound(text="没有这个对话")
    listing.items = await conv.turns(app.db, ids, masked=_masked(request), scope=scope)
    return await render(
        request,
        "conversation.html",
        "conversations",
        listing=listing,
        platform=platform,
        key=key,
        masked=_masked(request),
    )


@routes.get("/conversations/turns/{id:\\d+}")
@managers_may_read
async def turn_page(request: web.Request) -> web.Response:
    found = await conv.turns(
        app_of(request).db, [int(request.match_info["id"])], masked=_masked(request), scope=await _scope(request)
    )
    if not found:
        raise web.HTTPNotFound(text="没有这条消息（可能已经清理）")
    return await render(request, "turn.html", "conversations", turn=found[0], masked=_masked(request))
