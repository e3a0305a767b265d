"""客户: the customer list (search, pages) and a customer's page with its contacts, deals and 对话记录 (the turns
that wrote its records or were about it, and what its contacts wrote to the customer bot)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, or_
from sqlmodel import select

from bot.models import Account, Contact, Opportunity, StaffUser
from salesbot.admin import conversations as conv
from salesbot.admin.pages import Listing, app_of, render

routes = web.RouteTableDef()
TIER_LABELS = {"vip": "VIP", "key": "重点客户", "standard": "普通"}


@routes.get("/accounts")
async def accounts_page(request: web.Request) -> web.Response:
    listing = Listing.start(request)
    conditions = []
    for word in listing.q.split():
        like = f"%{word}%"
        conditions.append(
            or_(
                Account.name.ilike(like),
                Account.short_name.ilike(like),
                Account.industry.ilike(like),
                Account.region.ilike(like),
                StaffUser.name.ilike(like),
            )
        )
    async with app_of(request).db.session() as s:
        base = select(Account, StaffUser.name).outerjoin(StaffUser, StaffUser.id == Account.owner_id).where(*conditions)
        listing.total = (await s.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
        listing.items = (await s.execute(base.order_by(Account.name).offset(listing.offset).limit(listing.size))).all()
    return await render(request, "accounts.html", "accounts", listing=listing, tiers=TIER_LABELS)


@routes.get("/accounts/{id:\\d+}")
async def account_page(request: web.Request) -> web.Response:
    app = app_of(request)
    account_id = int(request.match_info["id"])
    async with app.db.session() as s:
        account = await s.get(Account, account_id)
        if account is None:
            raise web.HTTPNotFound(text="没有这个客户")
        owner = await s.get(StaffUser, account.owner_id) if account.owner_id else None
        contacts = list((await s.execute(select(Contact).where(Contact.account_id == account_id))).scalars())
        deals = list((await s.execute(select(Opportunity).where(Opportunity.account_id == account_id))).scalars())
    listing = Listing.start(request, size=10)
    ids, listing.total = await conv.account_turn_ids(app.db, account_id, offset=listing.offset, limit=listing.size)
    listing.items = await conv.turns(app.db, ids, masked=False)
    return await render(
        request,
        "account.html",
        "accounts",
        account=account,
        owner=owner,
        contacts=contacts,
        deals=deals,
        listing=listing,
        tiers=TIER_LABELS,
    )
