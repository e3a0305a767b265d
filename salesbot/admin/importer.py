"""Import and export of accounts, contacts and opportunities (CSV or Excel).

An import is analysed completely before anything is written: every row is either accepted or rejected
with its row number and the reason (missing name, unknown customer, duplicate of an existing record or
of an earlier row, bad amount or date...). A dry run stops there; a real run writes all accepted rows
in one transaction, marked created_source=IMPORT, so a failure leaves nothing half-imported.
Exports carry the field names and stored codes (tier `key`, stage `proposal`) by default, for programs
that read them; with `zh=True` the Chinese headers and values people read (「客户等级」「重点客户」).
Both import back unchanged: the import reads either kind of header and value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlmodel import select

from bot.models import (
    DEAL_ROLE_LABELS,
    STAGE_LABELS,
    STAGES,
    TIER_LABELS,
    Account,
    Contact,
    Opportunity,
    StaffUser,
)
from salesbot.admin import audit
from salesbot.admin.auth import Principal
from tools.customers import CLEAR_MATCH, core_name, name_score

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
KIND_LABELS = {"accounts": "客户", "contacts": "联系人", "opportunities": "商机"}

# field → (label used in exports, other header spellings people use)
FIELDS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "accounts": {
        "name": ("客户名称", ("公司名称", "客户", "公司", "企业名称", "account", "account name", "name", "company")),
        "short_name": ("简称", ("客户简称", "short name", "short_name")),
        "industry": ("行业", ("所属行业", "industry")),
        "region": ("区域", ("地区", "大区", "region")),
        "tier": ("客户等级", ("等级", "级别", "tier")),
        "owner": ("负责人", ("销售", "客户经理", "owner")),
        "address": ("地址", ("address",)),
        "notes": ("备注", ("说明", "notes", "note")),
    },
    "contacts": {
        "account": ("客户名称", ("公司名称", "客户", "公司", "所属客户", "account", "company")),
        "name": ("联系人", ("姓名", "联系人姓名", "contact", "name")),
        "title": ("职位", ("职务", "title")),
        "phone": ("电话", ("手机", "手机号", "phone", "mobile")),
        "other_phones": ("其他电话", ("座机", "办公电话", "其他号码", "other phones", "other_phones")),
        "email": ("邮箱", ("电子邮件", "email", "e-mail")),
        "deal_role": ("决策角色", ("角色", "deal role", "deal_role")),
    },
    "opportunities": {
        "account": ("客户名称", ("公司名称", "客户", "公司", "所属客户", "account", "company")),
        "name": ("商机名称", ("项目名称", "商机", "项目", "opportunity", "name")),
        "stage": ("阶段", ("销售阶段", "stage")),
        "amount": ("金额", ("预计金额", "合同金额", "amount")),
        "close_date": ("预计成交日期", ("成交日期", "预计签约日期", "close date", "close_date")),
        "owner": ("负责人", ("销售", "owner")),
        "seats": ("账号数", ("席位", "seats")),
        "next_step": ("下一步", ("next step", "next_step")),
        "competitors": ("竞争对手", ("竞品", "competitors")),
    },
}
REQUIRED = {"accounts": ["name"], "contacts": ["account", "name"], "opportunities": ["account", "name"]}
TIERS = {
    "vip": "vip",
    "key": "key",
    "standard": "standard",
    "重点": "key",
    "重点客户": "key",
    "普通": "standard",
    "普通客户": "standard",
    "战略": "vip",
    "战略客户": "vip",
    "大客户": "key",
    **{label: code for code, label in TIER_LABELS.items()},
}
DEAL_ROLES = {
    "economic_buyer": "economic_buyer",
    "champion": "champion",
    "user": "user",
    "technical_evaluator": "technical_evaluator",
    "procurement": "procurement",
    "other": "other",
    "决策人": "economic_buyer",
    "拍板人": "economic_buyer",
    "支持者": "champion",
    "内线": "champion",
    "使用者": "user",
    "用户": "user",
    "技术评估": "technical_evaluator",
    "采购": "procurement",
    "其他": "other",
    **{label: code for code, label in DEAL_ROLE_LABELS.items()},
}
STAGE_BY_LABEL = {**{k: k for k in STAGES}, **{v: k for k, v in STAGE_LABELS.items()}}


class ImportError_(ValueError):
    """The file cannot be imported at all (format, encoding, no header); Chinese message."""


def _norm_header(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "").strip().lower().replace("*", ""))


# --- reading -----------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) from CSV or xlsx bytes. Rows keep their cell values (xlsx: numbers, dates)."""
    if len(data) > MAX_BYTES:
        raise ImportError_(f"文件太大（上限 {MAX_BYTES // 1024 // 1024} MB）")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(data)
    elif suffix in (".csv", ".txt", ""):
        rows = _read_csv(data)
    else:
        raise ImportError_(f"不支持 {suffix} 文件，请用 CSV 或 Excel（.xlsx）")
    rows = [r for r in rows if any(str(c).strip() for c in r if c is not None)]
    if not rows:
        raise ImportError_("文件里没有数据")
    headers = [str(c).strip() if c is not None else "" for c in rows[0]]
    if not any(headers):
        raise ImportError_("第一行应该是表头（例如：客户名称、行业、区域）")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportError_(f"一次最多导入 {MAX_ROWS} 行，这个文件有 {len(rows) - 1} 行")
    return headers, [list(r) + [None] * (len(headers) - len(r)) for r in rows[1:]]


def _read_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportError_("文件编码无法识别，请另存为 UTF-8 的 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [[undefuse(v) for v in r] for r in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a corrupt file
        raise ImportError_(f"Excel 文件打不开（{type(exc).__name__}），请确认是 .xlsx 格式") from None
    try:
        ws = wb.worksheets[0]
        return [[undefuse(v) for v in r] for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


# --- mapping -----------------------------------------------------------------------------------


def guess_kind(headers: list[str]) -> str:
    normalized = {_norm_header(h) for h in headers}

    def has(kind, name):
        label, others = FIELDS[kind][name]
        return bool({_norm_header(label), *map(_norm_header, others)} & normalized)

    if (
        has("opportunities", "stage")
        or has("opportunities", "amount")
        or "商机名称" in normalized
        or "项目名称" in normalized
    ):
        return "opportunities"
    if "联系人" in normalized or "联系人姓名" in normalized or has("contacts", "phone"):
        return "contacts"
    return "accounts"


def auto_mapping(kind: str, headers: list[str]) -> dict[int, str]:
    """Column index → field, from the header spellings; each field taken once (leftmost wins)."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        h = _norm_header(header)
        for name, (label, others) in FIELDS[kind].items():
            if name not in taken and h in {_norm_header(label), *map(_norm_header, others)}:
                mapping[index] = name
                taken.add(name)
                break
    return mapping


def mapping_from_pairs(kind: str, headers: list[str], pairs: dict[str, str]) -> dict[int, str]:
    """An explicit mapping {header: field or ''}; unknown headers or fields are a clear error."""
    mapping = auto_mapping(kind, headers)
    index_of = {h: i for i, h in enumerate(headers)}
    for header, name in pairs.items():
        if header not in index_of:
            raise ImportError_(f"文件里没有「{header}」这一列，有：{'、'.join(h for h in headers if h)}")
        if name and name not in FIELDS[kind]:
            raise ImportError_(f"「{name}」不是{KIND_LABELS[kind]}的字段，可用：{'、'.join(FIELDS[kind])}")
        mapping.pop(index_of[header], None)
        if name:
            for i, n in list(mapping.items()):
                if n == name:
                    del mapping[i]
            mapping[index_of[header]] = name
    return mapping


# --- parsing values ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_amount(value: Any) -> float | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value).replace(",", "").replace("，", "").replace("元", "").replace("¥", "").replace("￥", "")
    factor = 1.0
    if text.endswith("万"):
        text, factor = text[:-1], 10_000.0
    elif text.endswith("亿"):
        text, factor = text[:-1], 100_000_000.0
    try:
        amount = float(text) * factor
    except ValueError:
        raise ValueError(f"金额「{value}」不是数字") from None
    if amount < 0:
        raise ValueError(f"金额「{value}」不能是负数")
    return amount


def parse_date(value: Any) -> date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(f"日期「{text}」看不懂，请写成 2026-12-31")


# --- analysis ----------------------------------------------------------------------------------


@dataclass
class Rejected:
    row: int  # the row number as the spreadsheet shows it (header = 1)
    reason: str
    values: dict[str, str]


@dataclass
class ImportReport:
    kind: str
    filename: str
    headers: list[str]
    mapping: dict[int, str]
    total: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    written: int = 0
    dry_run: bool = True

    @property
    def unmapped(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if i not in self.mapping and h]

    def summary(self) -> str:
        verb = "可导入" if self.dry_run else "已导入"
        n = len(self.accepted) if self.dry_run else self.written
        return f"{KIND_LABELS[self.kind]}：共 {self.total} 行，{verb} {n} 行，拒绝 {len(self.rejected)} 行"

    def to_text(self) -> str:
        lines = [self.summary()]
        cols = "，".join(f"{self.headers[i]}→{FIELDS[self.kind][n][0]}" for i, n in sorted(self.mapping.items()))
        lines.append(f"列对应：{cols}")
        if self.unmapped:
            lines.append(f"未使用的列：{'、'.join(self.unmapped)}")
        for r in self.rejected:
            lines.append(f"  第 {r.row} 行：{r.reason}")
        return "\n".join(lines)


class _Lookup:
    """Existing records, loaded once per import."""

    def __init__(self, accounts, staff, contacts, opportunities):
        self.accounts: list[Account] = accounts
        self.by_name = {a.name: a for a in accounts}
        self.staff = {u.username: u for u in staff}
        self.staff_by_name: dict[str, list[StaffUser]] = {}
        for u in staff:
            self.staff_by_name.setdefault(u.name, []).append(u)
        self.contact_keys = {(c.account_id, c.name) for c in contacts}
        self.phones = {re.sub(r"\D", "", c.phone or ""): c for c in contacts if c.phone and re.sub(r"\D", "", c.phone)}
        self.opportunity_keys = {(o.account_id, o.name) for o in opportunities}

    def account(self, name: str) -> tuple[Account | None, str]:
        if name in self.by_name:
            return self.by_name[name], ""
        scored = sorted(((name_score(name, a), a) for a in self.accounts), key=lambda x: -x[0])
        clear = [a for score, a in scored if score >= CLEAR_MATCH]
        if len(clear) == 1 or (clear and name_score(name, clear[0]) == 100 and name_score(name, clear[1]) < 100):
            return clear[0], ""
        if len(clear) > 1:
            return None, f"客户「{name}」对应多个已有客户（{'、'.join(a.name for a in clear[:3])}），请写全称"
        return None, f"客户「{name}」不存在，请先导入客户"

    def owner(self, value: str) -> tuple[StaffUser | None, str]:
        if value in self.staff:
            return self.staff[value], ""
        same = self.staff_by_name.get(value, [])
        if len(same) == 1:
            return same[0], ""
        if len(same) > 1:
            return None, f"负责人「{value}」有重名，请写用户名"
        return None, f"负责人「{value}」不存在"


async def _load(db) -> _Lookup:
    async with db.session() as s:
        return _Lookup(
            list((await s.execute(select(Account))).scalars()),
            list((await s.execute(select(StaffUser))).scalars()),
            list((await s.execute(select(Contact))).scalars()),
            list((await s.execute(select(Opportunity))).scalars()),
        )


def _row_values(row: list[Any], mapping: dict[int, str]) -> dict[str, Any]:
    return {name: row[i] for i, name in mapping.items() if i < len(row)}


def _analyse_row(kind: str, raw: dict[str, Any], lookup: _Lookup, seen: dict) -> dict[str, Any]:
    """The record to create, or ValueError with the reason."""
    text = {k: _text(v) for k, v in raw.items()}
    for name in REQUIRED[kind]:
        if not text.get(name):
            raise ValueError(f"缺少「{FIELDS[kind][name][0]}」")
    out: dict[str, Any] = {}
    owner_text = text.get("owner")
    if owner_text:
        owner, problem = lookup.owner(owner_text)
        if problem:
            raise ValueError(problem)
        out["owner_id"] = owner.id
    if kind == "accounts":
        name = text["name"]
        if len(name) > 128:
            raise ValueError("客户名称超过 128 字")
        if name in lookup.by_name:
            raise ValueError(f"与已有客户「{name}」重复")
        similar = [a for a in lookup.accounts if name_score(name, a) >= CLEAR_MATCH]
        if similar:
            raise ValueError(f"与已有客户「{similar[0].name}」疑似重复")
        key = core_name(name)
        if key in seen:
            raise ValueError(f"与第 {seen[key]} 行重复")
        tier = text.get("tier")
        if tier and tier.lower() not in TIERS and tier not in TIERS:
            raise ValueError(f"客户等级「{tier}」不认识，可用：VIP、重点、普通")
        out.update(
            name=name,
            short_name=text.get("short_name") or None,
            industry=text.get("industry") or None,
            region=text.get("region") or None,
            tier=TIERS.get(tier.lower(), TIERS.get(tier)) if tier else "standard",
            address=text.get("address") or None,
            notes=text.get("notes") or None,
        )
        return {"_key": key, **out}
    account, problem = lookup.account(text["account"])
    if problem:
        raise ValueError(problem)
    out["account_id"], out["_account"] = account.id, account.name
    name = text["name"]
    if kind == "contacts":
        if (account.id, name) in lookup.contact_keys:
            raise ValueError(f"{account.name} 已有联系人「{name}」")
        digits = re.sub(r"\D", "", text.get("phone") or "")
        if digits and digits in lookup.phones:
            raise ValueError(f"电话 {text['phone']} 已属于联系人「{lookup.phones[digits].name}」")
        key = (account.id, name)
        if key in seen:
            raise ValueError(f"与第 {seen[key]} 行重复")
        email = text.get("email") or None
        if email and "@" not in email:
            raise ValueError(f"邮箱「{email}」格式不对")
        role = text.get("deal_role")
        if role and role not in DEAL_ROLES and role.lower() not in DEAL_ROLES:
            raise ValueError(f"决策角色「{role}」不认识，可用：决策人、支持者、使用者、技术评估、采购、其他")
        out.update(
            name=name[:64],
            title=text.get("title") or None,
            phone=text.get("phone") or None,
            # "0731-8826 5501 / 0731-8826 5502": several numbers in one cell, kept as the contact row keeps them
            other_phones="、".join(p for p in re.split(r"\s*[、,，;；/]\s*", text.get("other_phones") or "") if p)[:128]
            or None,
            email=email,
            deal_role=DEAL_ROLES.get(role, DEAL_ROLES.get((role or "").lower())) if role else None,
        )
        return {"_key": key, "_phone": digits, **out}
    if (account.id, name) in lookup.opportunity_keys:
        raise ValueError(f"{account.name} 已有商机「{name}」")
    key = (account.id, name)
    if key in seen:
        raise ValueError(f"与第 {seen[key]} 行重复")
    stage_text = text.get("stage") or "prospecting"
    stage = STAGE_BY_LABEL.get(stage_text, STAGE_BY_LABEL.get(stage_text.lower()))
    if stage is None:
        raise ValueError(f"阶段「{stage_text}」不认识，可用：{'、'.join(STAGE_LABELS.values())}")
    seats = text.get("seats")
    if seats and not re.fullmatch(r"\d+", seats):
        raise ValueError(f"账号数「{seats}」应该是整数")
    competitors = [c.strip() for c in re.split(r"[、,，/;；]", text.get("competitors") or "") if c.strip()]
    out.update(
        name=name[:128],
        stage=stage,
        probability=STAGES[stage],
        amount=parse_amount(raw.get("amount")),
        close_date=parse_date(raw.get("close_date")),
        seats=int(seats) if seats else None,
        next_step=(text.get("next_step") or None),
        competitors=competitors,
    )
    return {"_key": key, **out}


def analyse(
    kind: str,
    headers: list[str],
    rows: list[list[Any]],
    mapping: dict[int, str],
    lookup: _Lookup,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    if kind not in FIELDS:
        raise ImportError_("类型只能是 accounts、contacts 或 opportunities")
    missing = [FIELDS[kind][n][0] for n in REQUIRED[kind] if n not in mapping.values()]
    if missing:
        raise ImportError_(f"找不到必填列：{'、'.join(missing)}。请在列对应里指定，或把表头改成「{missing[0]}」")
    report = ImportReport(kind, filename, headers, mapping, total=len(rows))
    seen: dict[Any, int] = {}
    phones: dict[str, int] = {}
    for number, row in enumerate(rows, 2):
        if progress is not None:
            progress(number - 2, len(rows))
        raw = _row_values(row, mapping)
        shown = {FIELDS[kind][k][0]: _text(v) for k, v in raw.items()}
        try:
            record = _analyse_row(kind, raw, lookup, seen)
            phone = record.pop("_phone", "")
            if phone and phone in phones:
                raise ValueError(f"电话与第 {phones[phone]} 行重复")
        except ValueError as exc:
            report.rejected.append(Rejected(number, str(exc), shown))
            continue
        seen[record.pop("_key")] = number
        if phone:
            phones[phone] = number
        record["_row"] = number
        report.accepted.append(record)
    if progress is not None:
        progress(len(rows), len(rows))
    return report


async def run_import(
    db,
    principal: Principal | None,
    data: bytes,
    filename: str,
    kind: str | None = None,
    mapping_pairs: dict[str, str] | None = None,
    dry_run: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """`progress(done, total)` hears each checked row, then each written one (the command line's bar)."""
    headers, rows = read_table(data, filename)
    kind = kind or guess_kind(headers)
    if kind not in FIELDS:
        raise ImportError_("类型只能是 accounts、contacts 或 opportunities")
    mapping = mapping_from_pairs(kind, headers, mapping_pairs or {})
    report = analyse(kind, headers, rows, mapping, await _load(db), filename, progress)
    report.dry_run = dry_run
    if dry_run or not report.accepted:
        return report
    model = {"accounts": Account, "contacts": Contact, "opportunities": Opportunity}[kind]
    staff_id = principal.staff_user_id if principal else None
    async with db.write() as s:
        for number, record in enumerate(report.accepted, 1):
            values = {k: v for k, v in record.items() if not k.startswith("_")}
            s.add(model(**values, created_source="IMPORT", created_by_id=staff_id))
            if progress is not None:
                progress(number, len(report.accepted))
        await audit.record(
            s,
            principal,
            f"import.{kind}",
            record_type=model.__tablename__,
            filename=filename,
            written=len(report.accepted),
            rejected=len(report.rejected),
        )
    report.written = len(report.accepted)
    return report


# --- export ------------------------------------------------------------------------------------


async def export_rows(db, kind: str, zh: bool = False) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of every record of `kind`: field names and codes, or with `zh` the Chinese headers
    and values (tier, stage, deal role) people read."""
    if kind not in FIELDS:
        raise ImportError_("类型只能是 accounts、contacts 或 opportunities")
    headers = [label for label, _ in FIELDS[kind].values()] if zh else list(FIELDS[kind])

    def shown(labels: dict[str, str], code: str | None) -> str | None:
        return labels.get(code, code) if zh and code else code

    async with db.session() as s:
        staff = {u.id: u.username for u in (await s.execute(select(StaffUser))).scalars()}
        accounts = {a.id: a for a in (await s.execute(select(Account).order_by(Account.id))).scalars()}
        rows: list[list[Any]] = []
        if kind == "accounts":
            for a in accounts.values():
                rows.append(
                    [
                        a.name,
                        a.short_name,
                        a.industry,
                        a.region,
                        shown(TIER_LABELS, a.tier),
                        staff.get(a.owner_id),
                        a.address,
                        a.notes,
                    ]
                )
        elif kind == "contacts":
            for c in (await s.execute(select(Contact).order_by(Contact.id))).scalars():
                account = accounts.get(c.account_id)
                rows.append(
                    [
                        account.name if account else "",
                        c.name,
                        c.title,
                        c.phone,
                        c.other_phones,
                        c.email,
                        shown(DEAL_ROLE_LABELS, c.deal_role),
                    ]
                )
        else:
            for o in (await s.execute(select(Opportunity).order_by(Opportunity.id))).scalars():
                account = accounts.get(o.account_id)
                rows.append(
                    [
                        account.name if account else "",
                        o.name,
                        shown(STAGE_LABELS, o.stage),
                        o.amount,
                        o.close_date.isoformat() if o.close_date else None,
                        staff.get(o.owner_id),
                        o.seats,
                        o.next_step,
                        "、".join(o.competitors or []),
                    ]
                )
    return headers, rows


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(...) phones home when
# clicked, =cmd|... ran programs in old Excel). Customer names come from chat, so any rep can plant one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_START)


def defuse(value: Any) -> Any:
    """A text cell a spreadsheet would run, as text it shows: a leading apostrophe (how Excel marks text)."""
    return "'" + value if formula_like(value) else value


def undefuse(value: Any) -> Any:
    """An import gives back the text an export defused, without the apostrophe it added."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value


def to_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            ["" if v is None else (int(v) if isinstance(v, float) and v.is_integer() else defuse(v)) for v in row]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly only with it


def to_xlsx(headers: list[str], rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(headers)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if formula_like(value):
                # openpyxl writes a string starting with "=" as a formula; typed as a string it stays text,
                # and the apostrophe keeps it text when someone edits the cell in Excel
                cell.value, cell.data_type = defuse(value), "s"
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
