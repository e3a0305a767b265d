"""Talk tracks: the company's best answers from the knowledge base, with citations.

`search_talk_tracks` (staff) sees every document; `search_public_knowledge` (customer-facing agent) can
only ever see audience=public - the audience is fixed here, not chosen by the model.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from bot.capabilities import STAFF, Capabilities, Router, ToolContext, ToolError, ToolOutput
from bot.messages import Role

router = Router("talk_tracks")

PASSAGE_CHARS = 400  # per passage in a tool result: enough for a talk track, short enough for the context


class TalkTrackArgs(BaseModel):
    query: str = Field(description="要查的问题，用销售的原话或改写成完整的问题，例如「客户嫌贵怎么回」")
    top: int = Field(default=4, ge=1, le=8, description="返回几段，默认 4")


def _where(hit) -> str:
    return " > ".join([hit.title, *hit.heading_path])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def format_hits_for_agent(hits) -> str:
    """Numbered passages the model composes its answer from and cites as [1], [2]."""
    if not hits:
        return "知识库里没有找到相关内容。不要编造公司政策或话术，请如实告诉对方没查到，并建议找主管或售前确认。"
    # titles only: a document's file path names the server's data directory, and whatever the model is
    # shown it may quote to the reader
    blocks = [f"[{i}] 《{_where(h)}》\n{_clip(h.text, PASSAGE_CHARS)}" for i, h in enumerate(hits, 1)]
    return (
        "以下是知识库检索结果。回答时只依据这些内容，在用到的句子后标注出处编号，如 [1]、[2]；"
        "要写出处时写文档标题（如《产品版本与价格》），资料没覆盖的部分要说明。\n\n" + "\n\n".join(blocks)
    )


def format_hits_for_chat(hits, *, customer: bool = False) -> str:
    """Offline mode: answer a free-text question with the top passages directly (titles, never file paths).

    `customer`: worded for a visitor, who has never heard of a talk-track library or of commands."""
    if not hits:
        if customer:
            return "抱歉，这个问题我暂时没找到现成的资料。"
        return "没在话术库里找到相关内容，换个说法试试？也可以发「/帮助」看看我能做什么。"
    parts = ["为您找到这些资料：" if customer else "帮你在话术库里找到这些："]
    for i, h in enumerate(hits[:3], 1):
        parts.append(f"[{i}] {_where(h)}\n{_clip(h.text, 260)}")
    numbers_by_title: dict[str, list[str]] = {}
    for i, h in enumerate(hits[:3], 1):
        numbers_by_title.setdefault(h.title, []).append(f"[{i}]")
    parts.append("出处：" + "；".join(f"{''.join(ns)} 《{title}》" for title, ns in numbers_by_title.items()))
    return "\n\n".join(parts)


def _citations(hits) -> list[dict]:
    return [
        {
            "n": i,
            "doc_id": h.doc_id,
            "chunk_id": h.chunk_id,
            "title": h.title,
            "heading_path": h.heading_path,
            "source": h.source,
            "score": round(h.score, 4),
        }
        for i, h in enumerate(hits, 1)
    ]


async def _search(ctx: ToolContext, query: str, top: int, audience: str | None):
    kb = ctx.app.knowledge
    if kb is None:
        raise ToolError("话术库还没有启用。")
    query = (query or "").strip()
    if not query:
        raise ToolError("要查什么？说一下客户的问题或场景就行。")
    return await kb.search(query, audience=audience, top=top)


@router.tool(
    "search_talk_tracks",
    "查公司话术库和销售资料（异议处理、价格与折扣权限、安全部署、实施、集成、续约、竞品、采购）。"
    "回答销售的「怎么回/怎么办/能不能」类问题前先查；结果带编号，回答时用 [1]、[2] 标注出处。",
    TalkTrackArgs,
    roles=STAFF,
)
async def search_talk_tracks(ctx: ToolContext, args: TalkTrackArgs) -> ToolOutput:
    hits = await _search(ctx, args.query, args.top, audience=None)
    return ToolOutput(format_hits_for_agent(hits), data={"citations": _citations(hits)})


@router.tool(
    "search_public_knowledge",
    "查公开的产品资料（版本价格、安全合规、部署方式、集成、售后服务、试用）。只含可以对客户说的内容；"
    "结果带编号，回答时用 [1]、[2] 标注出处。",
    TalkTrackArgs,
    roles={Role.CUSTOMER},
)
async def search_public_knowledge(ctx: ToolContext, args: TalkTrackArgs) -> ToolOutput:
    hits = await _search(ctx, args.query, args.top, audience="public")
    return ToolOutput(format_hits_for_agent(hits), data={"citations": _citations(hits)})


@router.command("话术", "/话术 问题", "查公司话术和资料，带出处", roles=STAFF, aliases=("查话术",))
async def talk_track_command(ctx: ToolContext, arg: str) -> ToolOutput:
    if not (arg or "").strip():
        return ToolOutput("要查什么？比如：/话术 客户嫌贵怎么回")
    hits = await _search(ctx, arg, 3, audience=None)
    return ToolOutput(format_hits_for_chat(hits), data={"citations": _citations(hits)})


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
