"""`salesbot eval`: run scripted conversations against the configured LLM and score its tool calls.

The scenario format is documented at the top of agents/scenarios/staff.yaml. Each scenario runs in a
fresh conversation of a throw-away data directory loaded with the demo data, at the scenario file's
`today`, so relative dates have one right answer. Tools really execute (on the throw-away data).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import select

from agents.staff import StaffAgent
from bot.arg_types import Money
from bot.capabilities import ToolContext
from bot.clock import FrozenClock
from bot.identity import actor_for
from bot.messages import Inbound, WriteSource
from bot.models import StaffUser
from bot.settings import Settings
from bot.zh_parse import resolve_date
from salesbot.admin.cli_progress import progress as cli_progress
from salesbot.app import App
from salesbot.demo import load_demo


class ScenarioError(ValueError):
    pass


RECORDING_FORMAT = "salesbot-llm-recording/1"


def _request_summary(body: dict[str, Any], tool_names: list[str]) -> dict[str, Any]:
    """What was asked, short enough to read in a diff: roles, the start of each text, tool names."""
    messages = []
    for m in body.get("messages") or []:
        item: dict[str, Any] = {"role": m.get("role")}
        content = m.get("content")
        if m.get("role") == "system":
            item["chars"] = len(content or "")
        elif content:
            item["content"] = str(content)[:300]
        if m.get("tool_calls"):
            item["tool_calls"] = [c.get("function", {}).get("name") for c in m["tool_calls"]]
        messages.append(item)
    return {"messages": messages, "tools": list(tool_names)}


class Recorder:
    """`salesbot eval --record DIR`: every raw response of the model, per scenario, in the order received.

    File format (one per scenario; tests/replays/ holds hand-written ones; FakeOpenAI.replay answers them):
      {"format": "salesbot-llm-recording/1", "scenario": name, "user": username, "today": ISO day,
       "model": model name, "turns": [what the rep said, …],
       "exchanges": [{"request": {"messages": [{role, content (start) | chars, tool_calls}], "tools": [names]},
                      "status": 200, "body": <the response body exactly as received>, "headers": {…}}, …]}
    """

    def __init__(self, directory: Path, model_name: str):
        self.directory, self.model_name = Path(directory), model_name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.current: dict[str, Any] | None = None
        self.files: list[Path] = []

    def start(self, sc: dict) -> None:
        self.current = {
            "format": RECORDING_FORMAT,
            "scenario": sc.get("name"),
            "user": sc["user"],
            "today": str(sc["today"]),
            "model": self.model_name,
            "turns": [t["say"] for t in sc["turns"]],
            "exchanges": [],
        }

    def __call__(self, body: dict[str, Any], tool_names: list[str], response: dict[str, Any]) -> None:
        if self.current is not None:
            exchange = {"request": _request_summary(body, tool_names), **response}
            if not exchange.get("headers"):
                exchange.pop("headers", None)
            self.current["exchanges"].append(exchange)

    def finish(self, index: int) -> None:
        if self.current is None:
            return
        name = re.sub(r"[^\w\-]+", "_", str(self.current["scenario"] or "scenario")).strip("_")
        path = self.directory / f"{index:03d}-{name}.json"
        path.write_text(json.dumps(self.current, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        self.files.append(path)
        self.current = None


def load_suite(path: str | None) -> list[dict]:
    """Scenario files: a YAML file, or every *.yaml in a folder; default: the shipped scenarios."""
    if path is None:
        files = [resources.files("agents").joinpath("scenarios")]
    else:
        files = [Path(path)]
    docs = []
    for f in files:
        p = Path(str(f))
        if not p.exists():
            raise ScenarioError(f"scenario file not found: {p}")
        for file in sorted(p.glob("*.yaml")) if p.is_dir() else [p]:
            try:
                doc = yaml.safe_load(file.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise ScenarioError(f"{file}: not valid YAML: {exc}") from exc
            if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
                raise ScenarioError(f"{file}: expected a mapping with a 'scenarios' list")
            today = doc.get("today")
            for sc in doc["scenarios"]:
                if not isinstance(sc, dict) or "turns" not in sc or "user" not in sc:
                    raise ScenarioError(f"{file}: every scenario needs 'user' and 'turns'")
                sc.setdefault("today", today)
                docs.append(sc)
    return docs


def value_matches(expected: Any, actual: Any, today: date) -> bool:
    if isinstance(expected, dict) and "date" in expected:
        if actual in (None, ""):
            return False
        want = expected["date"] if isinstance(expected["date"], date) else date.fromisoformat(str(expected["date"]))
        return resolve_date(str(actual), today) == want
    if isinstance(expected, dict) and expected.get("absent"):
        return actual in (None, "", [], {})
    if isinstance(expected, list):
        items = actual if isinstance(actual, list) else [actual]
        return all(any(value_matches(e, a, today) for a in items) for e in expected)
    if actual is None:
        return False
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        # an amount or a count: the model may send 8000, "8000", 「八千」 or "8k" (bot/arg_types.py reads them)
        number = _number(actual)
        if number is not None:
            return number == expected
    e, a = str(expected).strip(), str(actual).strip()
    return bool(a) and (e in a or a in e)


def _number(value: Any) -> float | None:
    try:
        return float(Money.__metadata__[0].func(value))
    except (ValueError, TypeError):
        return None


def call_matches(expected: dict, actual: tuple[str, dict], today: date) -> bool:
    name, args = actual
    if name != expected["tool"]:
        return False
    return all(value_matches(v, args.get(k), today) for k, v in (expected.get("args") or {}).items())


@dataclass
class ToolScore:
    expected: int = 0
    matched: int = 0
    extra: int = 0  # calls of this tool where none (or not this one) was expected

    @property
    def accuracy(self) -> float:
        return self.matched / self.expected if self.expected else (1.0 if not self.extra else 0.0)


@dataclass
class EvalResult:
    per_tool: dict[str, ToolScore] = field(default_factory=dict)
    turns: int = 0
    turns_passed: int = 0
    failures: list[dict] = field(default_factory=list)

    def score(self, tool: str) -> ToolScore:
        return self.per_tool.setdefault(tool, ToolScore())

    def table(self) -> str:
        lines = [f"{'tool':<22}{'expected':>9}{'matched':>9}{'extra':>7}{'accuracy':>10}"]
        for tool, sc in sorted(self.per_tool.items()):
            lines.append(f"{tool:<22}{sc.expected:>9}{sc.matched:>9}{sc.extra:>7}{sc.accuracy:>10.0%}")
        lines.append(f"turns passed: {self.turns_passed}/{self.turns}")
        return "\n".join(lines)


async def run_suite(
    scenarios: list[dict],
    settings: Settings,
    chat_model_factory=None,
    recorder: Recorder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    result = EvalResult()
    tz = ZoneInfo(settings.timezone)
    with tempfile.TemporaryDirectory(prefix="salesbot-eval-") as tmp:
        eval_settings = settings.model_copy(update={"data_dir": Path(tmp), "database_url": None})
        eval_settings.__dict__.pop("resolved_database_url", None)
        if progress is not None:
            progress(0, len(scenarios))
        for index, sc in enumerate(scenarios, 1):
            today = sc["today"] if isinstance(sc["today"], date) else date.fromisoformat(str(sc["today"]))
            clock = FrozenClock(datetime.combine(today, time(10, 0), tz))
            app = App(eval_settings, clock=clock, chat_model_factory=chat_model_factory, enable_knowledge=False)
            await app.start(connect_channels=False, resume=False)
            try:
                await load_demo(app)
                async with app.db.session() as s:
                    user = (
                        (await s.execute(select(StaffUser).where(StaffUser.username == sc["user"]))).scalars().first()
                    )
                if user is None:
                    raise ScenarioError(f"scenario {sc.get('name')}: unknown demo user {sc['user']}")
                agent = StaffAgent(app)
                if recorder is not None:
                    recorder.start(sc)
                    if hasattr(agent.model, "_recorder"):  # our client: it hands over every raw body
                        agent.model._recorder = recorder
                conversation = f"eval-{uuid.uuid4().hex[:8]}"
                for turn in sc["turns"]:
                    inbound = Inbound(
                        platform="console",
                        msg_id=uuid.uuid4().hex,
                        sender_id=user.username,
                        conversation_id=conversation,
                        text=turn["say"],
                    )
                    row_id = await app.ledger.claim(inbound)
                    ctx = ToolContext(
                        app, actor_for(user), inbound.conversation_key, inbound, row_id, WriteSource.AGENT
                    )
                    try:
                        replies = await agent.run(ctx, turn["say"])
                    except Exception as exc:  # a failed call counts as no calls made
                        replies = []
                        ctx.trace.append(("<error>", {"error": f"{type(exc).__name__}: {exc}"}))
                    await app.dispatcher.remember(ctx, turn["say"], replies)
                    _score_turn(result, sc, turn, ctx.trace, today)
                if recorder is not None:
                    recorder.finish(index)
                if progress is not None:
                    progress(index, len(scenarios))
            finally:
                await app.stop()
    return result


def _score_turn(result: EvalResult, sc: dict, turn: dict, trace: list, today: date) -> None:
    expected = turn.get("expect") or []
    remaining = [c for c in trace if c[0] != "<error>"]
    ok = True
    for exp in expected:
        score = result.score(exp["tool"])
        score.expected += 1
        hit = next((c for c in remaining if call_matches(exp, c, today)), None)
        if hit is not None:
            score.matched += 1
            remaining.remove(hit)
        else:
            ok = False
    for name, _args in remaining:
        if any(e["tool"] == name for e in expected):
            continue  # a retry of an expected tool with other arguments is not an extra tool
        result.score(name).extra += 1
        ok = False
    result.turns += 1
    result.turns_passed += ok
    if not ok:
        result.failures.append(
            {
                "scenario": sc.get("name"),
                "say": turn["say"],
                "expected": expected,
                "actual": [{"tool": n, "args": a} for n, a in trace],
            }
        )


async def main(args, settings: Settings) -> int:
    if not settings.llm_configured:
        print("没有配置大模型：请设置 OPENAI_BASE_URL / OPENAI_API_KEY / SALESBOT_LLM_MODEL 后再运行 eval。")
        return 2
    try:
        scenarios = load_suite(args.suite)
    except ScenarioError as exc:
        print(f"scenario error: {exc}")
        return 2
    recorder = Recorder(Path(args.record), settings.llm_model) if getattr(args, "record", None) else None
    with cli_progress(f"评测 {len(scenarios)} 个场景") as update:
        result = await run_suite(scenarios, settings, recorder=recorder, progress=update)
    if getattr(args, "json", False):
        print(
            json.dumps(
                {
                    "per_tool": {k: vars(v) | {"accuracy": v.accuracy} for k, v in result.per_tool.items()},
                    "turns": result.turns,
                    "turns_passed": result.turns_passed,
                    "failures": result.failures,
                },
                ensure_ascii=False,
                default=str,
                indent=2,
            )
        )
    else:
        print(f"model: {settings.llm_model}  scenarios: {len(scenarios)}")
        print(result.table())
        for f in result.failures[:20]:
            print(f"✗ {f['scenario']}: {f['say']}\n    expected {f['expected']}\n    actual   {f['actual']}")
    if recorder is not None:
        print(f"已录下 {len(recorder.files)} 个场景的模型原始回复：{recorder.directory}", file=sys.stderr)
    return 0
