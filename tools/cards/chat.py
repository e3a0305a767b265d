"""A card photo in chat → a contact proposal (确认 / 修改 / 取消), linked to the right customer.

The photo (a WeCom or DingTalk picture; a file path in the console) is read offline (ocr.py, parse.py). The
company is matched to the CRM's accounts; a company the CRM does not have is proposed as a new customer in
the same confirmation. The write is the `save_card_contact` tool, so it goes through the proposal flow like
every write: nothing is saved until the person confirms, corrections ("姓名是张伟", "客户是金陵医药") revise
the proposal and are recorded with their reason. Fields read without confidence show as 「看不清」.
"""

from __future__ import annotations

import re

from pydantic import AliasChoices, BaseModel, Field
from sqlmodel import select

from bot import replies
from bot.arg_types import AccountName, TextList
from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolDenied, ToolError, ToolOutput
from bot.messages import InboundKind
from bot.models import Account, Contact
from tools.cards.models import BusinessCard
from tools.cards.ocr import ImageUnreadable, read_lines
from tools.cards.parse import CardFields, parse_card
from tools.customers import choice_text, create_account, ensure_account_access, match_account, not_yours_text
from tools.proposals import describe_call, open_proposal, proposal_replies

router = Router("cards")

UNCLEAR = "看不清"
LABELS = {
    "name": "姓名",
    "title": "职务",
    "company": "公司",
    "phones": "电话",
    "email": "邮箱",
    "address": "地址",
    "website": "网址",
}
NOT_A_CARD = (
    "这张图里没认出名片上的姓名、公司或电话。如果是名片，请把名片放平、正对着拍，避开反光，再发一次；"
    "也可以直接打字告诉我姓名、公司和电话。"
)


class SaveCardArgs(BaseModel):
    # the names models reach for besides ours (contact_name, phone, customer…) are accepted too
    name: str | None = Field(
        None, validation_alias=AliasChoices("name", "contact_name", "contact", "person"), description="姓名"
    )
    title: str | None = Field(None, validation_alias=AliasChoices("title", "position", "job_title"), description="职务")
    company: str | None = Field(None, description="公司：名片上印的公司名")
    account_name: AccountName | None = Field(
        None,
        validation_alias=AliasChoices("account_name", "account", "customer", "customer_name", "client"),
        description="关联客户：CRM 里的客户名称（新客户填名片上的公司名）",
    )
    new_account: bool = Field(False, description="新建客户：客户还不在 CRM 里时为 true，确认时一并新建")
    phones: TextList = Field(
        default_factory=list,
        validation_alias=AliasChoices("phones", "phone", "mobile", "tel", "telephone", "phone_numbers"),
        description="电话：名片上的电话，手机写 11 位数字",
    )
    email: str | None = Field(None, validation_alias=AliasChoices("email", "mail", "e_mail"), description="邮箱")
    address: str | None = Field(None, description="地址")
    website: str | None = Field(None, validation_alias=AliasChoices("website", "url", "web"), description="网址")
    unclear: TextList = Field(default_factory=list, description="看不清的字段：name/title/company/phones/…")


async def _account_line(ctx: ToolContext, args: SaveCardArgs) -> tuple[str | None, Account | None]:
    """How the customer link reads, and the account when it is one already in the CRM."""
    if not args.account_name:
        return "关联客户：没认出公司，确认前告诉我是哪家客户（比如「客户是金陵医药」）", None
    match = await match_account(ctx, args.account_name)
    if match.status == "one":
        await ensure_account_access(ctx, match.account)
        return f"关联客户：{match.account.name}", match.account
    if match.status == "not_yours":
        raise ToolDenied(not_yours_text(match))
    if match.status == "ambiguous":
        raise ToolError(
            choice_text(args.account_name, match.candidates).replace("回复序号就行，回复「取消」放弃。", "")
        )
    if args.new_account:
        return f"新客户：{args.account_name}（CRM 里还没有，确认后一并新建，负责人是你）", None
    # read by a person (an offline correction) and by the model (new_account is its switch)
    raise ToolError(
        f"CRM 里没有客户「{args.account_name}」。说出 CRM 里的客户名；是新客户的话先发「/新建客户 {args.account_name}」"
        "（模型调用时把 new_account 设为 true）。"
    )


async def describe_card(ctx: ToolContext, args: SaveCardArgs) -> list[str]:
    account_line, _ = await _account_line(ctx, args)
    unclear = set(args.unclear)
    head = args.name or UNCLEAR
    lines = [f"存名片联系人：{head}" + (f" · {args.title}" if args.title else "")]
    if args.company:
        lines.append(f"公司：{args.company}")
    lines.append(account_line)
    for key in ("phones", "email", "address", "website", "title"):
        value = getattr(args, key)
        if key == "title" and value:
            continue  # already on the first line
        if value:
            lines.append(f"{LABELS[key]}：{'、'.join(value) if isinstance(value, list) else value}")
        elif key in unclear:
            lines.append(f"{LABELS[key]}：{UNCLEAR}")
    missing = [LABELS[k] for k in ("name", "company") if k in unclear and not getattr(args, k)]
    if not args.name or missing:
        lines.append(f"{'、'.join(missing or ['姓名'])}看不清，确认前请补上，比如「姓名是张伟」。")
    return lines


@router.tool(
    "save_card_contact",
    "把名片上的联系人（姓名、职务、电话、邮箱、地址）存进 CRM，关联到客户；客户是新客户时一并新建。",
    SaveCardArgs,
    roles=STAFF,
    writes=True,
    describe=describe_card,
)
async def save_card_contact(ctx: ToolContext, args: SaveCardArgs) -> ToolOutput:
    if not args.name:
        raise ToolError("姓名看不清，先告诉我姓名（比如「姓名是张伟」）再确认。")
    key = ctx.idempotency_key("card")
    if key:
        async with ctx.db.session() as s:
            done = (await s.execute(select(BusinessCard).where(BusinessCard.idempotency_key == key))).scalars().first()
        if done is not None:
            return ToolOutput("这张名片已经存过了。", data={"contact_id": done.contact_id, "duplicate": True})
    _, account = await _account_line(ctx, args)
    created = ""
    if account is None and args.account_name and args.new_account:
        account = await create_account(ctx, args.account_name)
        created = f"已新建客户「{account.name}」。\n"
    mobile = next((p for p in args.phones if re.fullmatch(r"1\d{10}", p)), None)
    phone = (mobile or (args.phones[0] if args.phones else None) or "")[:32] or None
    # the desk line (with its extension) and any second mobile stay on the contact too, not only on the card
    more = "、".join(p for p in args.phones if p and p != phone)[:128] or None
    async with ctx.db.write() as s:
        existing = None
        if account is not None:
            existing = (
                (await s.execute(select(Contact).where(Contact.account_id == account.id, Contact.name == args.name)))
                .scalars()
                .first()
            )
        if existing is not None:  # the same person again: fill in what the card adds, keep what we had
            contact = existing
            contact.title = args.title or contact.title
            known = [p for p in (contact.other_phones or "").split("、") if p]
            if contact.phone and phone and contact.phone != phone:
                known.append(contact.phone)  # the old main number is kept beside the card's
            contact.phone = phone or contact.phone
            extra = [p for p in (*known, *(more or "").split("、")) if p and p != contact.phone]
            contact.other_phones = "、".join(dict.fromkeys(extra))[:128] or None
            contact.email = args.email or contact.email
            contact.updated_by_id, contact.updated_source = ctx.actor.staff_id, ctx.source.value
            action = "contact.update"
        else:
            contact = Contact(
                account_id=account.id if account else None,
                name=args.name[:64],
                title=(args.title or None) and args.title[:64],
                phone=phone,
                other_phones=more,
                email=(args.email or None) and args.email[:128],
                **ctx.provenance(),
            )
            action = "contact.create"
        s.add(contact)
        await s.flush()
        card = BusinessCard(
            contact_id=contact.id,
            account_id=account.id if account else None,
            company=(args.company or None) and args.company[:128],
            phones=list(args.phones),
            address=(args.address or None) and args.address[:256],
            website=(args.website or None) and args.website[:256],
            idempotency_key=key,
            created_by_id=ctx.actor.staff_id,
            source_message_id=ctx.message_row_id,
        )
        s.add(card)
        s.add(ctx.audit(action, "contact", contact.id, name=contact.name, account=account.name if account else None))
    where = f"，客户：{account.name}" if account else ""
    verb = "已更新联系人" if action == "contact.update" else "已存联系人"
    return ToolOutput(
        f"{created}{verb}：{contact.name}{where}。",
        data={"contact_id": contact.id, "account_id": account.id if account else None, "card_id": card.id},
    )


def card_args(fields: CardFields, account: Account | None) -> dict:
    """The tool's arguments for what the card says: the matched account's name, or the company as a new one."""
    return {
        "name": fields.name,
        "title": fields.title,
        "company": fields.company,
        "account_name": account.name if account else fields.company,
        "new_account": account is None and bool(fields.company),
        "phones": fields.phones,
        "email": fields.email,
        "address": fields.address,
        "website": fields.website,
        "unclear": fields.unclear,
    }


async def propose_card(ctx: ToolContext, fields: CardFields) -> ToolOutput:
    account = None
    lead = "名片识别好了，请确认："
    args = None
    if fields.company:
        match = await match_account(ctx, fields.company)
        if match.status == "one":
            account = match.account
        elif match.status == "not_yours":
            raise ToolDenied(not_yours_text(match))
        elif match.status == "ambiguous":
            names = "、".join(a.name for a in match.candidates[:3])
            lead = f"名片识别好了。公司「{fields.company}」像是这几家客户之一：{names}，请说「客户是……」指定一家。"
            args = {**card_args(fields, None), "account_name": None, "new_account": False}
    spec = ctx.capabilities.tools["save_card_contact"]
    item = await describe_call(ctx, spec, args or card_args(fields, account))
    p, _ = await open_proposal(ctx, [item], evidence="\n".join(fields.lines))
    card = proposal_replies(p)[0].card
    return ToolOutput(lead, card=card, data={"proposal_id": p.id, "fields": fields.as_dict()})


@router.kind(InboundKind.IMAGE)
async def on_image(ctx: ToolContext) -> ToolOutput:
    """A picture from staff is read as a business card; anyone else's picture gets the usual answer."""
    if not ctx.actor.is_staff:
        return ToolOutput(replies.UNSUPPORTED_KIND)
    attachments = ctx.inbound.attachments if ctx.inbound else []
    if not attachments or attachments[0].data is None:
        return ToolOutput("图片没有下载下来，请再发一次。")
    try:
        lines = await read_lines(attachments[0].data)
    except ImageUnreadable:
        return ToolOutput("这张图片打不开（格式不对或文件损坏），请换成 jpg 或 png 再发一次。")
    fields = parse_card(lines)
    if fields.is_empty():
        return ToolOutput(NOT_A_CARD, data={"empty": True, "lines": fields.lines})
    return await propose_card(ctx, fields)


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
