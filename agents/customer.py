"""The customer-facing first-line bot: public knowledge, lead capture, hand-off to a human rep.

It talks to outsiders, so it is built to hold whatever the model is told:
  * it is offered only the reviewed customer tools (CUSTOMER_TOOLS); any other tool the model names is
    refused without running and audited ("tool.denied"), on top of the service layer's own role check;
  * every reply passes the output guard (agents/customer_guard.py) before it is sent; a reply with an
    internal marker is replaced by a safe answer and audited ("customer.output_blocked");
  * each customer has a message budget (SALESBOT_CUSTOMER_RATE_LIMIT, shared by all replicas through Redis
    when configured), so a flood costs no LLM calls;
  * messages that look like prompt injection are audited ("customer.injection_suspected") — not to block
    them (the structure does that) but so an admin sees who is probing.
"""

from __future__ import annotations

import json
import logging
import re
import secrets

from agents.customer_guard import Allowed, OutputGuard, contact_markers, normalize, reasons_summary
from agents.staff import StaffAgent
from agents.tool_bridge import invoke, langchain_tools
from agents.tool_feedback import canonical_args
from bot.capabilities import ToolContext, ToolError
from bot.locks import SlidingWindowLimiter
from bot.messages import Reply, Role
from bot.models import StaffUser
from bot.zh_parse.dates import WEEKDAYS
from tools.leads import ASK_CONTACT, asks_for_a_person, business_hours, current_lead, hand_off_now, in_business_hours

log = logging.getLogger(__name__)

# Reviewed list: a tool registered later with roles including CUSTOMER is still not offered until added here.
CUSTOMER_TOOLS = ("search_public_knowledge", "save_contact_info", "handoff_to_sales")

OUT_OF_SCOPE = (
    "抱歉，这个我这边办理不了：我只负责介绍产品、公开价格和试用。需要的话，留下称呼和电话，我请销售顾问联系您。"
)
SAFE_ANSWER = "抱歉，这个问题我这边不方便回答。我可以为您介绍产品功能、公开价格和试用，需要的话也可以请销售顾问联系您。"
RATE_LIMITED = "您发消息有点快啦，我稍后再回复您～ 着急的话，留下称呼和电话，销售顾问会联系您。"

_INJECTION = [
    (re.compile(r"忽略(之前|以上|上面|前面|你的)?(的)?(所有|全部)?(指令|规则|设定|提示)"), "ignore_instructions"),
    (re.compile(r"ignore\s+(all\s+)?(the\s+)?(previous|prior|above|earlier)", re.I), "ignore_instructions"),
    (
        re.compile(
            r"(系统|管理员|官方)\s*(通知|指令|消息|授权)|system\s*(notice|message|override)|\[\s*system\s*\]", re.I
        ),
        "fake_system_message",
    ),
    (
        re.compile(r"(系统)?提示词|system\s*prompt|你的(设定|规则|指令)是什么|原样(输出|发|打印)", re.I),
        "prompt_extraction",
    ),
    (
        re.compile(
            r"你现在是|扮演|假装你是|我是你们(的)?(销售)?(总监|经理|老板|管理员)|act\s+as|pretend|you\s+are\s+now", re.I
        ),
        "role_play",
    ),
    (re.compile(r"开发者模式|调试模式|developer\s*mode|debug\s*mode|jailbreak|DAN\b", re.I), "mode_switch"),
    (
        re.compile(r"审批|批准|approve|记(一条|个)?拜访|log\s+a?\s*visit|内部(资料|文档|价格)|internal", re.I),
        "internal_request",
    ),
    (re.compile(r"其他客户|别的客户|客户名单|客户列表|other\s+customers|customer\s+list", re.I), "other_customers"),
    (
        re.compile(r"底价|最低价|折扣权限|最低(能)?(打|给)?几折|lowest\s+price|max(imum)?\s+discount", re.I),
        "discount_probe",
    ),
    (re.compile(r"!\[|\]\(|<\s*(img|script|a)\b|https?://", re.I), "link_injection"),
]


def injection_signals(text: str) -> list[str]:
    return sorted({label for pattern, label in _INJECTION if pattern.search(text)})


class CustomerAgent(StaffAgent):
    prompt_name = "customer_system"

    def __init__(self, app):
        super().__init__(app)
        self.canary = "C-" + secrets.token_hex(6).upper()
        self.guard = OutputGuard(app, prompt_text=app.prompts.template(self.prompt_name), canary=self.canary)
        spec = app.settings.customer_rate_limit
        # counted in Redis when configured, so a customer's budget holds across replicas
        self.limiter = SlidingWindowLimiter(
            spec, redis=app.redis, prefix=app.settings.redis_prefix, name="customer-messages"
        )
        self._local_limiter = SlidingWindowLimiter(spec)

    def model_for(self, role: Role):
        """Only the reviewed customer tools, whatever role the turn claims."""
        if Role.CUSTOMER not in self._bound:
            tools = [t for t in langchain_tools(self.app.capabilities, Role.CUSTOMER) if t.name in CUSTOMER_TOOLS]
            model = self.model.bind_tools(tools) if tools else self.model
            self._bound[Role.CUSTOMER] = (model, {t.name: t for t in tools})
        return self._bound[Role.CUSTOMER]

    def system_prompt(self, ctx: ToolContext) -> str:
        now = ctx.now()
        start, end = business_hours(self.app.settings)
        hours = (
            f"工作时间内（工作日 {start:%H:%M}-{end:%H:%M}），销售顾问可以尽快联系客户。"
            if in_business_hours(now, self.app.settings)
            else f"现在是非工作时间（工作日 {start:%H:%M}-{end:%H:%M}），转人工后顾问会在上班后联系客户。"
        )
        known = getattr(ctx, "_lead_summary", "") or "暂无"
        return self.app.prompts.render(
            self.prompt_name,
            company=self.app.settings.company_name,
            now=now.strftime("%Y-%m-%d %H:%M"),
            weekday="周" + WEEKDAYS[now.weekday()],
            hours_note=hours,
            canary=self.canary,
            known=known,
        )

    async def run(self, ctx: ToolContext, text: str) -> list[Reply]:
        customer_key = (
            ctx.conversation_key if ctx.inbound is None else f"{ctx.inbound.platform}:{ctx.inbound.sender_id}"
        )
        if not await self._within_budget(customer_key):
            await self._audit(ctx, "customer.rate_limited")
            return [Reply(RATE_LIMITED)]
        signals = injection_signals(text)
        if signals:
            await self._audit(ctx, "customer.injection_suspected", signals=signals)
        lead = await self._lead(ctx)
        ctx._lead_summary = self._known(lead)  # read by system_prompt
        out = await super().run(ctx, text)
        if any(name not in CUSTOMER_TOOLS for name, _ in ctx.trace):
            # the model tried something outside the customer's reach: whatever it wrote next ("已记录", "已批准")
            # is not true, so the customer gets the polite refusal instead
            out = [Reply(OUT_OF_SCOPE)]
        person = await asks_for_a_person(ctx, text)
        safe = await self.guarded(ctx, text, out)
        return await self.with_handoff_announced(ctx, safe, person)

    async def _within_budget(self, customer_key: str) -> bool:
        try:
            return await self.limiter.allow(customer_key)
        except Exception as exc:  # Redis is away: count in this process rather than refuse or stop counting
            log.warning("customer rate limit: Redis unavailable (%s), counting locally", exc)
            return await self._local_limiter.allow(customer_key)

    async def with_handoff_announced(self, ctx: ToolContext, safe: list[Reply], person: bool) -> list[Reply]:
        """The customer is always told when they will be contacted, whatever the model wrote and whatever the
        guard removed: the announcement is added to what passed the guard (it is the service's own text,
        made of the promise and what an admin published). A customer who asked for a person and was not
        handed off by the model is handed off here, or asked for a phone number."""
        announced = [o.data["announce"] for o in ctx.outputs if o.data.get("announce") and not o.data.get("duplicate")]
        handed = any(o.data.get("staff_id") is not None for o in ctx.outputs)
        answer = "\n".join(r.text for r in safe if r.text)
        if person and not handed:
            try:
                extra = await hand_off_now(ctx, "客户要求人工")
            except ToolError as exc:  # nobody takes leads right now: say so rather than stay silent
                extra = str(exc)
            if extra == ASK_CONTACT and "电话" in answer:
                extra = ""  # the model already asked for it
            if extra:
                announced.append(extra)
        for text in announced:
            if text not in answer:
                safe = [*safe, Reply(text)]
        return safe

    async def _call_tool(self, ctx: ToolContext, by_name: dict, call: dict) -> str:
        name = call.get("name") or ""
        if name in CUSTOMER_TOOLS and name in by_name:
            ctx.trace.append((name, canonical_args(ctx.capabilities.tools.get(name), call.get("args"))))
            return await invoke(ctx, name, call.get("args"))
        ctx.trace.append((name, canonical_args(None, call.get("args"))))
        log.warning("customer turn asked for tool %s: refused", name)
        await self._audit(ctx, "tool.denied", detail_tool=name[:64], reason="customer_channel")
        return json.dumps({"error": "这个操作不对客户开放。请只用公开资料回答，或转人工。"}, ensure_ascii=False)

    async def guarded(self, ctx: ToolContext, customer_text: str, out: list[Reply]) -> list[Reply]:
        """Replies as they may be sent to a customer: text only, each one checked by the output guard."""
        allowed = await self._allowed(ctx, customer_text)
        safe: list[Reply] = []
        for reply in out:
            if reply.card is not None and not reply.text:
                continue  # customer channels get no internal cards
            verdict = await self.guard.check(reply.text, allowed)
            if verdict.ok:
                safe.append(Reply(reply.text))
                continue
            log.warning("customer reply blocked: %s", ",".join(reasons_summary(verdict.reasons)))
            await self._audit(ctx, "customer.output_blocked", reasons=verdict.reasons[:20])
            if not any(r.text == SAFE_ANSWER for r in safe):
                safe.append(Reply(SAFE_ANSWER))
        return safe or [Reply(SAFE_ANSWER)]

    async def _lead(self, ctx: ToolContext):
        return await current_lead(ctx)

    @staticmethod
    def _known(lead) -> str:
        if lead is None:
            return ""
        parts = [
            f"{label}：{getattr(lead, name)}"
            for name, label in (
                ("name", "称呼"),
                ("company", "公司"),
                ("phone", "电话"),
                ("need", "需求"),
                ("region", "地区"),
            )
            if getattr(lead, name)
        ]
        if lead.status == "handed_off":
            parts.append("已转给销售顾问")
        return "；".join(parts)

    async def _allowed(self, ctx: ToolContext, customer_text: str) -> Allowed:
        allowed = Allowed(customer_text=customer_text)
        lead = await self._lead(ctx)
        if lead is not None:
            if lead.phone:
                allowed.phones.add(lead.phone)
            if lead.company:
                allowed.names.add(normalize(lead.company))
            if lead.assigned_staff_id and lead.assignment_reason != "account_owner":
                # what the admin published for the rep may be repeated; the rep's own phone and mail may not
                async with ctx.db.session() as s:
                    rep = await s.get(StaffUser, lead.assigned_staff_id)
                if rep is not None and rep.public_contact:
                    phones, domains = contact_markers(rep.public_contact)
                    allowed.phones |= phones
                    allowed.domains |= domains
        return allowed

    async def _audit(self, ctx: ToolContext, action: str, **detail) -> None:
        inbound = ctx.inbound
        if inbound is not None:
            detail.setdefault("platform", inbound.platform)
        async with ctx.db.write() as s:
            s.add(ctx.audit(action, **detail))
