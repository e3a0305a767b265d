"""The stage playbook: which key questions each stage must have answered, its YAML format and loader.

The playbook in force is <SALESBOT_DATA_DIR>/stage_playbook.yaml (the console's editor writes it), re-read
when it changes; without it the shipped default_playbook.yaml applies. Errors name the line or the stage
and question, in Chinese, so an admin can fix them in the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.models import STAGE_LABELS, STAGES

DEFAULT_PLAYBOOK_PATH = Path(__file__).with_name("default_playbook.yaml")
PLAYBOOK_FILE_NAME = "stage_playbook.yaml"

# stages a deal moves forward through, in order (won/lost are outcomes, not stages to qualify)
OPEN_STAGES = [s for s in STAGES if s not in ("closed_won", "closed_lost")]
STAGE_BY_LABEL = {**{label: key for key, label in STAGE_LABELS.items()}, **{key: key for key in STAGES}}

# Opportunity columns an answer may also fill (BANT and MEDDPICC), with how people say them
FIELDS: dict[str, str] = {
    "budget": "预算",
    "authority": "决策权",
    "need": "需求",
    "timeline": "时间表",
    "metrics": "量化指标",
    "economic_buyer": "拍板人",
    "decision_criteria": "决策标准",
    "decision_process": "决策流程",
    "paper_process": "签约流程",
    "identified_pain": "痛点",
    "champion": "内部支持者",
    "competition": "竞争情况",
}
MONEY_FIELDS = {"budget"}
_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
MAX_QUESTION = 60


class PlaybookError(ValueError):
    """The playbook cannot be used; the message says where and why (Chinese)."""


@dataclass(frozen=True)
class Question:
    key: str
    question: str
    field: str | None = None


@dataclass(frozen=True)
class Playbook:
    stages: dict[str, tuple[Question, ...]]  # stage code -> its questions

    def due_at(self, stage: str) -> list[tuple[str, Question]]:
        """(stage, question) a deal in `stage` must have answered: that stage's and every earlier stage's."""
        if stage not in OPEN_STAGES:
            return []
        upto = OPEN_STAGES[: OPEN_STAGES.index(stage) + 1]
        return [(s, q) for s in upto for q in self.stages.get(s, ())]

    def question(self, key: str) -> Question | None:
        return next((q for qs in self.stages.values() for q in qs if q.key == key), None)


def parse_playbook(text: str, source: str = "") -> Playbook:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise PlaybookError(
            f"阶段剧本{source}{where}不是合法的 YAML：请检查这一行附近的缩进、冒号和括号（{getattr(exc, 'problem', exc)}）"
        ) from None
    if doc is None:
        doc = {"stages": {}}
    if not isinstance(doc, dict) or not isinstance(doc.get("stages", {}), dict):
        raise PlaybookError("阶段剧本应以「stages:」开头，下面按阶段列出问题。")
    unknown_top = sorted(set(doc) - {"stages"})
    if unknown_top:
        raise PlaybookError(f"不认识的配置项：{'、'.join(map(str, unknown_top))}（只有 stages）")
    problems: list[str] = []
    stages: dict[str, tuple[Question, ...]] = {}
    seen_keys: dict[str, str] = {}
    for raw_stage, items in (doc.get("stages") or {}).items():
        stage = STAGE_BY_LABEL.get(str(raw_stage).strip())
        if stage is None or stage not in OPEN_STAGES:
            problems.append(
                f"阶段「{raw_stage}」不认识，可用：{'、'.join(STAGE_LABELS[s] for s in OPEN_STAGES)}（赢单/输单不用问）"
            )
            continue
        label = STAGE_LABELS[stage]
        if stage in stages:
            problems.append(f"阶段「{label}」写了两次，合并成一段")
            continue
        if items is None:
            items = []
        if not isinstance(items, list):
            problems.append(f"「{label}」下面应是问题列表（每个问题以「- key: …」开头）")
            continue
        questions = []
        for n, item in enumerate(items, 1):
            where = f"「{label}」第 {n} 个问题"
            if not isinstance(item, dict):
                problems.append(f"{where}：应写成 key / question / field 三项")
                continue
            extra = sorted(set(item) - {"key", "question", "field"})
            if extra:
                problems.append(f"{where}：不认识的项 {'、'.join(map(str, extra))}（只有 key、question、field）")
            key = str(item.get("key") or "").strip()
            text = str(item.get("question") or "").strip()
            fld = item.get("field")
            fld = str(fld).strip() if fld not in (None, "") else None
            if not _KEY_RE.match(key):
                problems.append(f"{where}：key 要用英文字母开头的字母、数字或下划线（如 budget），最多 32 个字符")
            elif key in seen_keys:
                problems.append(f"{where}：key「{key}」和「{seen_keys[key]}」重复了，每个问题的 key 要不同")
            else:
                seen_keys[key] = label
            if not text:
                problems.append(f"{where}：缺少 question（问销售的那句话）")
            elif len(text) > MAX_QUESTION:
                problems.append(f"{where}：问题太长（{len(text)} 字），请控制在 {MAX_QUESTION} 字以内")
            if fld is not None and fld not in FIELDS:
                problems.append(
                    f"{where}：field「{fld}」不是商机字段，可用：" + "、".join(f"{k}（{v}）" for k, v in FIELDS.items())
                )
            questions.append(Question(key, text, fld))
        stages[stage] = tuple(questions)
    if problems:
        raise PlaybookError("阶段剧本有误：\n" + "\n".join(problems[:8]))
    return Playbook({s: stages[s] for s in OPEN_STAGES if s in stages})


def dump_playbook(playbook: Playbook) -> str:
    """The YAML of a playbook (the console's form view saves through this)."""
    doc = {
        "stages": {
            STAGE_LABELS[stage]: [
                {"key": q.key, "question": q.question, **({"field": q.field} if q.field else {})} for q in questions
            ]
            for stage, questions in playbook.stages.items()
        }
    }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


class PlaybookStore:
    """The playbook in force: the data dir's file when present (re-read when it changes), else the default."""

    def __init__(self, data_dir: Path | str):
        self.path = Path(data_dir) / PLAYBOOK_FILE_NAME
        self._cache: tuple[tuple, Playbook] | None = None

    def current_text(self) -> str:
        return (self.path if self.path.exists() else DEFAULT_PLAYBOOK_PATH).read_text(encoding="utf-8")

    def load(self) -> Playbook:
        path = self.path if self.path.exists() else DEFAULT_PLAYBOOK_PATH
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        playbook = parse_playbook(path.read_text(encoding="utf-8"))
        self._cache = (key, playbook)
        return playbook
