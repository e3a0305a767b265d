"""What the model is told when its tool call cannot run, so it can fix the call within the turn.

The rep never sees these texts (the agent's answer goes through `quirks.sanitize_answer`); the model
does, as the tool message answering its call. Each names the field and what is expected, in Chinese
like the tool descriptions, with the parameter names the tool really has.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import AliasChoices, BaseModel, ValidationError

from bot.capabilities import ToolSpec

_PROBLEMS = {
    "missing": "缺少这个参数",
    "string_type": "应该是文字",
    "int_parsing": "应该是整数",
    "int_type": "应该是整数",
    "float_parsing": "应该是数字",
    "float_type": "应该是数字",
    "bool_parsing": "应该是 true 或 false",
    "bool_type": "应该是 true 或 false",
    "list_type": "应该是列表",
    "literal_error": "取值不在允许的范围内",
    "enum": "取值不在允许的范围内",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "value_error": "值看不懂",
}


def as_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _names_of(model: type[BaseModel]) -> dict[str, str]:
    """Every name a field accepts (its own and its aliases) → the field's name."""
    names: dict[str, str] = {}
    for field_name, info in model.model_fields.items():
        names[field_name] = field_name
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias] if isinstance(alias, str) else []
        for choice in choices:
            if isinstance(choice, str):
                names.setdefault(choice, field_name)
    return names


def canonical_args(spec: ToolSpec | None, args: Any) -> dict[str, Any]:
    """The model's arguments with accepted aliases renamed to the tool's parameter names (for the trace
    `salesbot eval` scores): `{"name": "华东机械"}` for lookup_customer is `{"account_name": …}`."""
    if not isinstance(args, dict):
        return {"_raw": str(args)}
    if spec is None:
        return dict(args)
    names = _names_of(spec.args_schema)
    out: dict[str, Any] = {}
    for key, value in args.items():
        out.setdefault(names.get(key, key), value)
    return out


def parameter_list(spec: ToolSpec) -> str:
    parts = []
    for field_name, info in spec.args_schema.model_fields.items():
        need = "必填" if info.is_required() else "可选"
        parts.append(f"{field_name}（{need}，{info.description or ''}）")
    return "；".join(parts)


def invalid_arguments(spec: ToolSpec, args: dict[str, Any], exc: ValidationError) -> str:
    """The validation errors as the model can act on them: the field, what is wrong, what is expected."""
    fields = spec.args_schema.model_fields
    known = _names_of(spec.args_schema)
    problems = []
    for error in exc.errors()[:6]:
        loc = [str(p) for p in error.get("loc", ())]
        field_name = loc[0] if loc else ""
        info = fields.get(field_name)
        message = _PROBLEMS.get(error.get("type", ""), "")
        if error.get("type") == "value_error":  # our own validators say what they want, in Chinese
            message = str(error.get("ctx", {}).get("error") or error.get("msg", "")).removeprefix("Value error, ")
        problems.append(
            {
                "参数": ".".join(loc),
                "问题": message or "取值不对",
                "要求": (info.description if info is not None else "") or "",
                "收到": args.get(field_name) if field_name in args else None,
            }
        )
    unknown = [key for key in args if key not in known]
    payload: dict[str, Any] = {"error": f"调用 {spec.name} 的参数不对，请改正后重新调用。", "问题": problems}
    if unknown:
        payload["不认识的参数"] = unknown
    payload["参数说明"] = parameter_list(spec)
    return as_json(payload)


def unreadable_arguments(name: str, raw: Any, spec: ToolSpec | None) -> str:
    payload: dict[str, Any] = {
        "error": f"调用 {name or '工具'} 的参数不是合法的 JSON 对象，没有执行。请用 JSON 对象重新调用。",
        "收到": str(raw)[:200],
    }
    if spec is not None:
        payload["参数说明"] = parameter_list(spec)
    return as_json(payload)


def unknown_tool(name: str, available: list[str], refusal: str) -> str:
    return as_json({"error": refusal, "可用的工具": available})


def service_error(name: str) -> str:
    return as_json(
        {"error": f"{name} 这次执行出错了（系统问题，不是参数问题）。不要重复调用，告诉用户稍后再试，内容已经收到。"}
    )
