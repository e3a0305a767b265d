"""Tool-argument types that accept what models really send, for the capabilities' args models.

A model fills tool arguments the way the rep spoke: 「五十万」 or "50w" for an amount, "138 1234 5678" for
a phone, 「三十」 for a count, 20261202 or "12-01" for a day, and calls the customer `name`, `customer` or
`company` as often as `account_name`. These annotated types read those forms (bot/zh_parse does the
Chinese) before pydantic checks the type, and raise a Chinese ValueError naming the expected form when
there is nothing to read (agents/tool_feedback.py passes it back to the model).

    class Args(BaseModel):
        account_name: AccountName = Field(validation_alias=ACCOUNT_ALIASES, description=…)
        amount: Money = None
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator

from bot.zh_parse import cn_number, find_money, find_phones

# one name for the customer in every tool; the others are what models send when another tool or their
# own habit says so. The first choice is the one the JSON schema shows the model.
ACCOUNT_ALIASES = AliasChoices(
    "account_name", "account", "name", "customer", "customer_name", "company", "company_name", "client"
)
# for a tool that also names a person (a contact): `name` is the person there, never the customer
ACCOUNT_ALIASES_BESIDE_A_PERSON = AliasChoices(
    "account_name", "account", "customer", "customer_name", "company", "company_name", "client"
)


def _one_text(value: Any) -> Any:
    """A single-item list (["华东机械"]) is the item; surrounding spaces and quotes go."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        return value.strip().strip("「」\"'“”")
    return value


def _text_list(value: Any) -> Any:
    """「李总、王经理」 sent as one string where a list is expected: split on the usual separators."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[、,，;；/]|\s+和\s*|和", value) if part.strip()]
    return value


def _money(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        if not text:
            return None
        number = cn_number(text)
        if number is None:
            found = find_money(text)
            number = found[0].value if len(found) == 1 else None
        if number is not None:
            return number
    raise ValueError(f"金额「{value}」看不懂：填以元为单位的数字（如 500000），或「50万」这样的写法")


def _count(value: Any) -> Any:
    if value is None or isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = re.sub(r"^[#＃No.]+|[个人位套份号条次]+$", "", value.strip())
        if not text:
            return None
        number = cn_number(text)
        if isinstance(number, (int, float)) and float(number).is_integer():
            return int(number)
    raise ValueError(f"「{value}」不是一个整数：填数字，如 30")


_PHONE_CHARS = re.compile(r"[\s\-–—()（）.]")


def _phone(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        found = find_phones(text)
        if len(found) == 1:
            return found[0].value
        squeezed = _PHONE_CHARS.sub("", text)
        if re.fullmatch(r"\+?\d{7,15}", squeezed):  # a landline or an international number
            return squeezed
    raise ValueError(f"电话号码「{value}」看不懂：填手机号或带区号的座机，如 13812345678、021-62345678")


_COMPACT_DAY = re.compile(r"^(20\d{2})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")


def _date_phrase(value: Any) -> Any:
    """A day as words the services resolve against today (「下周三」, ISO, 「12月1日」): dates and
    compact numbers become ISO, "12-01" becomes 「12月1日」 (month-day, the year the services choose)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        m = _COMPACT_DAY.match(text)
        if m:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        m = _MONTH_DAY.match(text)
        if m:
            return f"{int(m.group(1))}月{int(m.group(2))}日"
        return text
    return value


AccountName = Annotated[str, BeforeValidator(_one_text)]
# optional values: an empty string (what models send for "not given") is None
TextList = Annotated[list[str], BeforeValidator(_text_list)]
Money = Annotated[float | None, BeforeValidator(_money)]
Count = Annotated[int | None, BeforeValidator(_count)]
Phone = Annotated[str | None, BeforeValidator(_phone)]
DatePhrase = Annotated[str | None, BeforeValidator(_date_phrase)]
