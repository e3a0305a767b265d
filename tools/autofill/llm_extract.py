"""The LLM layer of transcript extraction: chunked structured output, evidence-checked, merged with the rules.

Why JSON mode plus our own validation rather than strict function calling: the endpoints our users run
(OpenAI, DeepSeek, Qwen, vLLM, Ollama) all honour `response_format={"type": "json_object"}`, while strict
schemas are unevenly supported; and a lenient parse keeps the good fields of a half-right answer
instead of failing the whole transcript.

Long transcripts are read in parts, in order. Each part is sent with the facts found so far, and parts
overlap by a few sentences, so a fact that spans a boundary ("预算的话……" / "……五十万吧") is not lost.
Every value the model returns must quote a sentence that is really in the transcript; a value whose
quote cannot be found is dropped (the model invented it or paraphrased beyond recognition).
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import replace
from datetime import date
from typing import Any, Iterable

from rapidfuzz import fuzz

from bot.agent import model_unavailable
from bot.models import STAGES, Account
from bot.org import OrgProfile
from bot.prompt_templates import PromptTemplates
from bot.zh_parse import cn_number, find_money, find_quantities, resolve_date
from bot.zh_parse.dates import WEEKDAYS
from tools.autofill.extract import (
    COMPETITORS,
    QUALIFICATION_FIELDS,
    ContactFact,
    Extraction,
    Fact,
    KnownAccount,
    NextStep,
    Sentence,
    extract_rules,
    locate,
    quote,
    role_for_title,
    split_sentences,
)
from tools.customers import name_score

log = logging.getLogger(__name__)

CHUNK_CHARS = 6000
OVERLAP_CHARS = 400
_ROLES = {"economic_buyer", "champion", "user", "technical_evaluator", "procurement"}
_SENTIMENTS = {"positive", "neutral", "negative"}
_BARE_HONORIFICS = {"经理", "总", "老总", "主任", "老师", "工", "总监", "主管", "老板", "领导", "渠道", "顾问"}


def chunk_transcript(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[tuple[int, str]]:
    """(offset, part) pieces cut at line or sentence ends, each overlapping the previous one."""
    if len(text) <= size:
        return [(0, text)]
    parts: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(
                text.rfind("\n", start + size // 2, end), max(text.rfind(c, start + size // 2, end) for c in "。！？")
            )
            end = cut + 1 if cut > start else end
        parts.append((start, text[start:end]))
        if end >= len(text):
            break
        back = end - overlap
        cut = max(text.rfind("\n", start + 1, back), max(text.rfind(c, start + 1, back) for c in "。！？"))
        start = cut + 1 if cut > start else back
    return parts


_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)


def parse_json_object(content: str) -> dict | None:
    """The JSON object in a model's answer (bare, inside a ```json fence, after a preamble or a <think> block),
    else None. An answer cut off mid-way (max_tokens) keeps its complete fields."""
    content = _THINK.sub("", content or "").strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)(?:```|$)", content, re.S)
    if fenced:
        content = fenced.group(1)
    start = content.find("{")
    if start == -1:
        return None
    end = content.rfind("}")
    if end > start:
        try:
            value = json.loads(content[start : end + 1])
            return value if isinstance(value, dict) else None
        except ValueError:
            pass
    return _repair_truncated(content[start:])


def _repair_truncated(text: str) -> dict | None:
    """Close a JSON object that was cut off: drop the unfinished last member, close the open brackets."""
    stack: list[str] = []
    in_string = escaped = False
    last_safe = None  # (index, stack copy) after the last complete member
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack:
                break
            stack.pop()
            if not stack:
                last_safe = (i + 1, [])
                break
            last_safe = (i + 1, list(stack))
        elif ch == ",":
            last_safe = (i, list(stack))
    if last_safe is None:
        return None
    cut, open_ = last_safe
    candidate = text[:cut].rstrip().rstrip(",") + "".join(reversed(open_))
    try:
        value = json.loads(candidate)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _item(raw: Any) -> tuple[Any, str] | None:
    if isinstance(raw, dict) and raw.get("value") not in (None, "", []):
        return raw["value"], str(raw.get("evidence") or "")
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        found = find_money(value) or find_quantities(value)
        if found:
            return float(found[-1].value)  # "五十万，不对，六十万": the last one
        try:
            return float(value.replace(",", "").replace("，", "").strip())
        except ValueError:
            pass
        bare = re.sub(r"[个位名人套元块左右大概约]", "", value).strip()
        number = cn_number(bare) if bare else None  # "一百二十"
        return float(number) if number is not None else None
    return None


def _date(value: Any, meeting: date) -> date | None:
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return resolve_date(value, meeting)
    return None


class _Reader:
    """Turns one part's JSON into facts located in the whole transcript."""

    def __init__(self, sentences: list[Sentence], meeting: date, dropped: list[str]):
        self.sentences, self.meeting, self.dropped = sentences, meeting, dropped

    def where(self, evidence: str, what: str) -> Sentence | None:
        s = locate(evidence, self.sentences)
        if s is None:
            self.dropped.append(what)
        return s

    def fact(self, raw: Any, what: str, convert=lambda v: v, confidence: float = 0.8) -> Fact | None:
        item = _item(raw)
        if item is None:
            return None
        value, evidence = item
        value = convert(value)
        if value in (None, "", []):
            return None
        s = self.where(evidence, what)
        if s is None:
            return None
        return Fact(value, quote(s), s.start, confidence, "llm")

    def money(self, raw: Any, what: str) -> Fact | None:
        f = self.fact(raw, what, _number)
        if f is None:
            return None
        sentence_amounts = {float(m.value) for m in find_money(f.evidence)}
        # a number the sentence does not say (e.g. 万 miscounted) is kept, but with less trust
        f.confidence = 0.9 if f.value in sentence_amounts else 0.55
        return f


def read_part(
    data: dict, sentences: list[Sentence], meeting: date, dropped: list[str], org: OrgProfile | None = None
) -> Extraction:
    r = _Reader(sentences, meeting, dropped)
    org = org or OrgProfile()
    ex = Extraction(mode="llm")
    ex.account = r.fact(data.get("account"), "account", lambda v: str(v).strip()[:128])
    if ex.account is not None and org.is_ours(ex.account.value):
        dropped.append("account")  # the model took our own company for the customer
        ex.account = None
    ex.other_companies = [f for f in (r.fact(x, "other_company", str) for x in _list(data.get("other_companies"))) if f]
    ex.meeting_date = r.fact(data.get("meeting_date"), "meeting_date", lambda v: _date(v, meeting), 0.9)
    ex.budget = r.money(data.get("budget"), "budget")
    ex.amount = r.money(data.get("amount"), "amount")
    ex.seats = r.fact(data.get("seats"), "seats", lambda v: int(n) if (n := _number(v)) and n > 0 else None)
    if ex.seats is not None:
        said = {q.value for q in find_quantities(ex.seats.evidence)} | {
            cn_number(m) for m in re.findall(r"[0-9]+|[零一二两三四五六七八九十百千]+", ex.seats.evidence)
        }
        ex.seats.confidence = 0.85 if ex.seats.value in said else 0.5
    ex.close_date = r.fact(data.get("close_date"), "close_date", lambda v: _date(v, meeting))
    ex.golive_date = r.fact(data.get("golive_date"), "golive_date", lambda v: _date(v, meeting))
    ex.timeline = r.fact(data.get("timeline"), "timeline", lambda v: _strip_label(v)[:256], 0.7)
    ex.stage = r.fact(data.get("stage"), "stage", lambda v: v if v in STAGES else None, 0.7)
    ex.sentiment = r.fact(data.get("sentiment"), "sentiment", lambda v: v if v in _SENTIMENTS else None, 0.7)
    named = [f for f in (r.fact(x, "competitor", str) for x in _list(data.get("competitors"))) if f]
    named += [f for f in (r.fact(x, "competitor", str) for x in _list(data.get("possible_competitors"))) if f]
    for f in named:
        if org.is_ours(str(f.value)):
            continue  # our own product named as "the alternative"
        canonical = org.canonical_competitor(str(f.value)) if org.competitors else _canonical_competitor(f.value)
        if canonical is not None and (canonical in org.competitor_names() or not org.competitors):
            if all(c.value != canonical for c in ex.competitors):
                ex.competitors.append(replace(f, value=canonical))
        elif all(c.value != f.value for c in ex.possible_competitors):
            ex.possible_competitors.append(replace(f, value=str(f.value).strip()[:64], confidence=0.5))
    ex.pain_points = [
        f for f in (r.fact(x, "pain_point", lambda v: str(v)[:120], 0.7) for x in _list(data.get("pain_points"))) if f
    ][:6]
    summary = data.get("summary")
    if isinstance(summary, str) and summary.strip():
        ex.summary = Fact(summary.strip()[:600], "", -1, 0.7, "llm")
    for raw in _list(data.get("contacts")):
        if not isinstance(raw, dict) or not str(raw.get("name") or "").strip():
            continue
        s = r.where(str(raw.get("evidence") or raw.get("name")), "contact")
        if s is None:
            continue
        title = str(raw.get("title") or "").strip()[:64] or None
        if title in _BARE_HONORIFICS:
            title = None  # "经理" alone is how people are addressed, not a stated title
        role = raw.get("deal_role") if raw.get("deal_role") in _ROLES else role_for_title(title)
        ex.contacts.append(
            ContactFact(
                str(raw["name"]).strip()[:64],
                quote(s),
                s.start,
                title,
                _digits_in(raw.get("phone"), sentences),
                _email_in(raw.get("email"), sentences),
                role,
                0.8,
                "llm",
            )
        )
    for raw in _list(data.get("next_steps")):
        if not isinstance(raw, dict) or not str(raw.get("action") or "").strip():
            continue
        s = r.where(str(raw.get("evidence") or raw.get("action")), "next_step")
        if s is None:
            continue
        owner = raw.get("owner") if raw.get("owner") in ("rep", "customer") else "rep"
        ex.next_steps.append(
            NextStep(
                str(raw["action"]).strip()[:60], quote(s), s.start, owner, _date(raw.get("due"), meeting), 0.8, "llm"
            )
        )
    qualification = data.get("qualification") if isinstance(data.get("qualification"), dict) else {}
    for key in QUALIFICATION_FIELDS:
        f = r.fact(qualification.get(key), key, lambda v: _strip_label(v)[:256], 0.7)
        if f is not None:
            ex.qualification[key] = f
    return ex


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _canonical_competitor(value: Any) -> str | None:
    name = str(value or "").strip()
    low = name.lower().replace(" ", "")
    for canonical, variants in COMPETITORS.items():
        if any(v.replace(" ", "") in low for v in variants):
            return canonical
    return name[:64] or None


def _digits_in(value: Any, sentences: list[Sentence]) -> str | None:
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) < 7:
        return None
    whole = re.sub(r"\D", "", "".join(s.text for s in sentences))
    return digits if digits in whole else None


def _email_in(value: Any, sentences: list[Sentence]) -> str | None:
    email = str(value or "").strip().lower()
    return email if email and "@" in email and any(email in s.text.lower() for s in sentences) else None


# --- merging -----------------------------------------------------------------------------------------


def _later(a: Fact | None, b: Fact | None, prefer_a_same_sentence: bool = False) -> Fact | None:
    """The later-said of two facts about one field; agreeing facts reinforce each other."""
    if a is None or b is None:
        return a or b
    if a.value == b.value:
        keep = a if a.pos >= b.pos else b
        return replace(
            keep, origin="both", confidence=min(0.97, max(a.confidence, b.confidence) + 0.1), note=a.note or b.note
        )
    if a.pos == b.pos:
        return a if prefer_a_same_sentence else b
    winner, loser = (a, b) if a.pos > b.pos else (b, a)
    if not winner.note and loser.value not in (None, ""):
        winner = replace(winner, note=f"记录中前面还有另一个说法（{_show(loser.value)}），以后面的为准")
    return winner


def _show(value: Any) -> str:
    if isinstance(value, float) and value >= 10000:
        return f"{value / 10000:g} 万"
    return str(value)


def merge_parts(parts: list[Extraction]) -> Extraction:
    out = Extraction(mode="llm")
    for part in parts:
        for name in (
            "account",
            "meeting_date",
            "budget",
            "amount",
            "seats",
            "close_date",
            "timeline",
            "stage",
            "sentiment",
        ):
            setattr(out, name, _later(getattr(out, name), getattr(part, name)))
        if part.summary is not None:
            out.summary = Fact(
                ((out.summary.value + " ") if out.summary else "") + part.summary.value, "", -1, 0.7, "llm"
            )
        out.other_companies = _union(out.other_companies, part.other_companies)
        out.competitors = _union(out.competitors, part.competitors)
        out.pain_points = _union(out.pain_points, part.pain_points)[:6]
        out.contacts = _merge_contacts(out.contacts, part.contacts)
        out.next_steps = _merge_steps(out.next_steps, part.next_steps)
        for key, f in part.qualification.items():
            out.qualification[key] = _later(out.qualification.get(key), f)
    return out


def _union(a: list[Fact], b: list[Fact]) -> list[Fact]:
    out = list(a)
    for f in b:
        if not any(str(f.value) == str(o.value) or fuzz.ratio(str(f.value), str(o.value)) >= 85 for o in out):
            out.append(f)
    return out


def _same_person(a: str, b: str) -> bool:
    if a == b:
        return True
    # "李总" and "李建国": same surname, one of them an honorific
    return a[:1] == b[:1] and (len(a) == 2 and a[1] in "总工" or len(b) == 2 and b[1] in "总工") and a[:1] != ""


def _merge_contacts(a: list[ContactFact], b: list[ContactFact]) -> list[ContactFact]:
    out = list(a)
    for c in b:
        twin = next((o for o in out if o.name == c.name), None) or next(
            (o for o in out if _same_person(o.name, c.name)), None
        )
        if twin is None:
            out.append(c)
            continue
        if len(c.name) > len(twin.name) and not (len(c.name) == 2 and c.name[1] in "总工"):
            twin.name = c.name  # the full name beats the honorific
        twin.title = twin.title or c.title
        for number in (c.phone, *c.other_phones):
            if number and not twin.phone:
                twin.phone = number
            elif number and number not in (twin.phone, *twin.other_phones):
                twin.other_phones.append(number)
        twin.email = twin.email or c.email
        if c.origin == "llm" and c.deal_role:
            twin.deal_role = c.deal_role
        else:
            twin.deal_role = twin.deal_role or c.deal_role
        if twin.origin != c.origin:
            twin.origin, twin.confidence = "both", min(0.95, max(twin.confidence, c.confidence) + 0.1)
    return out


def _merge_steps(a: list[NextStep], b: list[NextStep]) -> list[NextStep]:
    out = list(a)
    for step in b:
        twin = next(
            (
                o
                for o in out
                if (o.pos == step.pos or fuzz.partial_ratio(o.action, step.action) >= 75)
                and (o.due == step.due or o.due is None or step.due is None)
            ),
            None,
        )
        if twin is None:
            out.append(step)
        elif step.origin == "llm" or step.pos > twin.pos:
            merged = replace(
                step, due=step.due or twin.due, origin="both" if twin.origin != step.origin else step.origin
            )
            out[out.index(twin)] = merged
    return sorted(out, key=lambda s: s.pos)[:10]


def merge(rules: Extraction, llm: Extraction, known: list[KnownAccount]) -> Extraction:
    """Rules and model together: later-said wins; in the same sentence the rules keep numbers, the model words."""
    out = Extraction(mode="llm", warnings=list(rules.warnings) + list(llm.warnings))
    out.meeting_date = rules.meeting_date or llm.meeting_date
    out.account, out.account_id = rules.account, rules.account_id
    if llm.account is not None:
        scored = sorted(
            ((max(name_score(llm.account.value, _as_account(k)), 0), k) for k in known), key=lambda x: -x[0]
        )
        match = scored[0][1] if scored and scored[0][0] >= 90 else None
        if match is not None and match.id == rules.account_id:
            out.account = replace(rules.account, origin="both", confidence=min(0.97, rules.account.confidence + 0.1))
        elif match is not None:
            out.account, out.account_id = replace(llm.account, value=match.name), match.id
        elif rules.account_id is None or rules.account is None or rules.account.confidence < 0.9:
            out.account, out.account_id = llm.account, None
    out.other_companies = _union(llm.other_companies, rules.other_companies)
    if out.account is not None:
        out.other_companies = [
            o for o in out.other_companies if name_score(o.value, _as_account(KnownAccount(0, out.account.value))) < 90
        ]
    for name in ("budget", "amount", "seats"):
        setattr(out, name, _held_to_evidence(getattr(rules, name), getattr(llm, name)))
    for name in ("close_date", "golive_date"):
        setattr(out, name, _later(getattr(rules, name), getattr(llm, name), prefer_a_same_sentence=True))
    if out.close_date is not None and out.golive_date is not None and out.close_date.value == out.golive_date.value:
        # one date read twice: the sentence's own words decide (上线 → go-live)
        if re.search(r"上线|开始用|用起来", out.close_date.evidence):
            out.close_date = rules.close_date if rules.close_date != out.close_date else None
    for name in ("stage", "sentiment", "summary"):
        setattr(out, name, getattr(llm, name) or getattr(rules, name))
    # the rules' plan is built from the dates they read ("2026-05-31 前定下来/签约；2026-07-01 上线")
    out.timeline = rules.timeline or llm.timeline
    out.channel = rules.channel
    out.contacts = _merge_contacts([replace(c) for c in rules.contacts], llm.contacts)
    out.competitors = _union(rules.competitors, llm.competitors)
    out.possible_competitors = [
        f
        for f in _union(rules.possible_competitors, llm.possible_competitors)
        if all(f.value != c.value for c in out.competitors)
    ]
    out.our_side = list(rules.our_side)
    out.not_contacts = list(rules.not_contacts)
    # the model may list our staff, a partner's or a parent group's people, or someone who left
    excluded = set(rules.our_side) | set(rules.not_contacts)
    out.contacts = [c for c in out.contacts if c.name not in excluded]
    out.pain_points = llm.pain_points or rules.pain_points
    out.next_steps = _merge_steps(list(rules.next_steps), llm.next_steps)
    out.qualification = {**rules.qualification, **llm.qualification}
    for key in ("authority", "economic_buyer", "champion"):  # a person, never "最终拍板是我。"
        if key in rules.qualification and (key not in llm.qualification or _is_utterance(llm.qualification[key].value)):
            out.qualification[key] = rules.qualification[key]
        elif key in out.qualification and _is_utterance(out.qualification[key].value):
            del out.qualification[key]
    return out


def _is_utterance(value) -> bool:
    text = str(value or "")
    return len(text) > 12 or bool(re.search(r"[我你。！？]", text))


def _strip_label(value) -> str:
    """ "李明：下个月定" → "下个月定": a model copying the speaker label into a value."""
    return re.sub(r"^[^：:，。]{1,12}[：:]\s*", "", str(value)).strip()


def _held_to_evidence(rules: Fact | None, llm: Fact | None) -> Fact | None:
    """A number from the model counts only if its own quote says it; where the rules read a number from
    the same or a later sentence, theirs stands (they read the digits, the model may have miscounted 万)."""
    if llm is not None and llm.confidence < 0.6 and rules is not None:
        return rules
    return _later(rules, llm, prefer_a_same_sentence=True)


def _as_account(k: KnownAccount):
    return Account(id=k.id, name=k.name, short_name=k.short_name)


def _our_description(org: OrgProfile, people: Iterable[str]) -> str:
    bits = []
    if org.names:
        bits.append("公司 " + "、".join(org.names))
    if org.products:
        bits.append("产品 " + "、".join(org.products))
    people = [p for p in people if p]
    if people:
        bits.append("员工 " + "、".join(dict.fromkeys(people)))
    return "；".join(bits) or "（未知）"


def _known_summary(ex: Extraction) -> str:
    bits = {}
    for name in ("account", "budget", "amount", "seats", "close_date"):
        f = getattr(ex, name)
        if f is not None:
            bits[name] = f.value.isoformat() if isinstance(f.value, date) else f.value
    if ex.contacts:
        bits["contacts"] = [f"{c.name}{('（' + c.title + '）') if c.title else ''}" for c in ex.contacts[:8]]
    if ex.competitors:
        bits["competitors"] = [c.value for c in ex.competitors]
    return json.dumps(bits, ensure_ascii=False) if bits else "（暂无）"


async def extract_with_llm(
    model,
    text: str,
    meeting: date,
    our_names: Iterable[str],
    sentences: list[Sentence],
    timing: list[float] | None = None,
    prompts: PromptTemplates | None = None,
    org: OrgProfile | None = None,
) -> Extraction:
    """Ask the model part by part; raises the client's error when the model is unreachable. `prompts`: the
    app's (with the console's published version), else the shipped file."""
    prompts = prompts or PromptTemplates()
    org = org or OrgProfile()
    parts_out: list[Extraction] = []
    chunks = chunk_transcript(text)
    dropped: list[str] = []
    bad_parts = 0
    running = Extraction()
    json_mode = True
    for index, (offset, part) in enumerate(chunks, 1):
        prompt = prompts.render(
            "autofill_extract",
            part=index,
            parts=len(chunks),
            meeting_date=meeting.isoformat(),
            weekday="周" + WEEKDAYS[meeting.weekday()],
            our_names=_our_description(org, our_names),
            competitors="、".join("/".join(c.names) for c in org.competitors) if org.competitors else "（未配置）",
            known=_known_summary(running),
            text=part,
        )
        started = time.perf_counter()
        try:
            reply = await (model.bind(response_format={"type": "json_object"}) if json_mode else model).ainvoke(prompt)
        except Exception as exc:  # some local servers refuse response_format: ask again without it
            if json_mode and "response_format" in str(exc):
                json_mode = False
                reply = await model.ainvoke(prompt)
            else:
                raise
        finally:
            if timing is not None:
                timing[0] += time.perf_counter() - started
        content = (
            reply.content
            if isinstance(reply.content, str)
            else "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in reply.content)
        )
        data = parse_json_object(content)
        if data is None:
            bad_parts += 1
            continue
        local = [s for s in sentences if offset <= s.start < offset + len(part)] or sentences
        part_ex = read_part(data, local, meeting, dropped, org)
        parts_out.append(part_ex)
        running = merge_parts(parts_out)
    result = merge_parts(parts_out) if parts_out else Extraction(mode="llm")
    if bad_parts:
        result.warnings.append(f"有 {bad_parts} 段 AI 没给出可用的结果，这几段只用了规则提取")
    if dropped:
        result.warnings.append(f"AI 给出的 {len(dropped)} 个值在原文里找不到出处，已丢弃")
    return result


async def extract(
    text: str,
    ref: date,
    *,
    known_accounts: Iterable[KnownAccount] = (),
    our_names: Iterable[str] = (),
    model=None,
    timing: list[float] | None = None,
    prompts: PromptTemplates | None = None,
    org: OrgProfile | None = None,
) -> Extraction:
    """Rules always; the model on top when there is one. A model that is down leaves the rules' result.
    `org`: who we are and who we compete with (bot.org.load_org_profile)."""
    known = list(known_accounts)
    ours = [n for n in our_names if n]
    rules = extract_rules(text, ref, known, ours, org)
    if model is None:
        return rules
    meeting = rules.meeting_date.value if rules.meeting_date and rules.meeting_date.confidence > 0.7 else ref
    try:
        llm = await extract_with_llm(
            model, text, meeting, [*rules.our_side, *ours][:12], split_sentences(text), timing, prompts, org
        )
    except Exception as exc:
        if not model_unavailable(exc):
            raise
        log.warning("autofill: LLM unavailable, rules only: %s", exc)
        rules.mode = "llm_down"
        return rules
    return merge(rules, llm, known)
