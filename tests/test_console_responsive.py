"""Every console page at 375 px (a phone) and 1280 px (a laptop) in Debian's chromium, driven by Playwright:
nothing wider than the viewport outside a scrollable container, the page itself never scrolls sideways, table
cells never squeezed to a character per line, the navigation wraps inside the screen and the charts scale.
Screenshots of every page go to a temporary directory (printed; SALESBOT_SCREENSHOTS chooses another).

In CI (`.ci/run` installs chromium and sets SALESBOT_REQUIRE_BROWSER=1) a missing browser fails these tests
instead of skipping them (tests/conftest.py).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import select

from bot.models import Account, InboundMessage, StaffUser
from knowledge.models import KbChunk, KbDocument
from tests.admin_support import ADMIN_PASSWORD, make_accounts, serving, signed_in
from tests.conftest import ConsoleClient, running_app
from tests.fakes.openai_server import FakeOpenAI, text, tool_call

CHROMIUM = os.environ.get("SALESBOT_CHROMIUM", "/usr/bin/chromium")
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)),
    reason=f"chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)",
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SHOTS_DIR = os.environ.get("SALESBOT_SCREENSHOTS")  # read at import: the tests' own environment is cleaned
VIEWPORTS = {"phone": (375, 812), "laptop": (1280, 900)}

# What sticks out: every visible element whose box leaves the viewport, unless an ancestor scrolls it (a table
# on a phone, a <pre>); the document's own scroll width; table cells with text narrower than 2.5 characters.
OVERFLOW_JS = """
(vw) => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
  const wide = [], squeezed = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) wide.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    if ((el.tagName === 'TD' || el.tagName === 'TH') && el.innerText.trim().length > 2) {
      const em = parseFloat(getComputedStyle(el).fontSize);
      if (r.width < 2.5 * em) squeezed.push(name(el) + ' ' + Math.round(r.width) + 'px: ' + el.innerText.trim().slice(0, 12));
    }
  }
  return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 8),
          squeezed: squeezed.slice(0, 8)};
}
"""

KB_DOC = """# 退款与发票政策

## 退款
签约后 7 天内可以无理由退款，超过 7 天按已使用的账号数折算。退款申请在控制台提交，财务 3 个工作日内处理。

## 发票
增值税专用发票在付款后 5 个工作日内开具，电子发票当天发出。链接：https://example.com/a/very/long/path/that/never/breaks/anywhere/in/the/text/of/the/document
"""
LONG_WORD = "https://example.com/" + "x" * 180  # an unbreakable run, the kind that pushes a layout sideways


def _shots() -> Path:
    folder = Path(SHOTS_DIR or tempfile.mkdtemp(prefix="salesbot-console-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _seed(app, llm, tmp_path, base) -> dict[str, str]:
    """Data on every page: a model turn with a proposal (and a long unbreakable word), a document, a batch
    hit-test, a prompt version and a rules version; returns the detail pages' paths."""
    await make_accounts(app)
    llm.script(
        tool_call("log_visit", account_name="华东机械", summary="聊了二期扩容 " + LONG_WORD, visit_date="今天"),
        text("请确认。" + LONG_WORD),
    )
    rep = ConsoleClient(app, "zhangwei")
    await rep.say("今天拜访了华东机械的李总，电话 13812345678，聊了二期扩容 " + LONG_WORD)
    await rep.say("确认")
    async with app.db.write() as s:  # enough people for two pages of the list
        s.add_all(
            [StaffUser(username=f"extra{i:02d}", name=f"同事{i:02d}", role="rep", team="华北组") for i in range(55)]
        )
    doc = tmp_path / "退款与发票政策.md"
    doc.write_text(KB_DOC, encoding="utf-8")
    await app.knowledge.add_paths([doc], audience="internal")
    async with signed_in(base) as admin:
        status, _ = await admin.post(
            "/admin/knowledge/batch",
            {
                "file": (
                    "cases.csv",
                    "问题,期望文档\n多久可以退款,退款与发票政策\n发票什么时候开,退款与发票政策\n".encode(),
                ),
                "top": 5,
                "mode": "hybrid",
            },
        )
        assert status == 200
        _, page = await admin.get("/admin/prompts/staff_system")
        current = re.search(r'<textarea[^>]*id="prompt-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        status, _ = await admin.post(
            "/admin/prompts/staff_system/save",
            {"text": html.unescape(current) + "\n补充：" + LONG_WORD, "note": "手机版测试"},
        )
        assert status == 200
        _, page = await admin.get("/admin/rules")
        rules = re.search(r'<textarea[^>]*id="rules-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        status, _ = await admin.post("/admin/rules/save", {"text": html.unescape(rules), "note": "原样保存一版"})
        assert status == 200
    async with app.db.session() as s:
        turn = (await s.execute(select(InboundMessage).order_by(InboundMessage.id))).scalars().first()
        account = (await s.execute(select(Account).where(Account.name.contains("华东机械")))).scalar_one()
        document = (await s.execute(select(KbDocument))).scalars().first()
        chunk = (await s.execute(select(KbChunk).where(KbChunk.document_id == document.id))).scalars().first()
        person = (await s.execute(select(StaffUser).where(StaffUser.username == "zhangwei"))).scalar_one()
    return {
        "conversation": f"/admin/conversations/view?platform={turn.platform}&key={quote(turn.conversation_key)}",
        "turn": f"/admin/conversations/turns/{turn.id}",
        "account": f"/admin/accounts/{account.id}",
        "document": f"/admin/knowledge/documents/{document.id}",
        "chunk": f"/admin/knowledge/chunks/{chunk.id}",
        "person": f"/admin/people/{person.id}",
    }


def _pages(detail: dict[str, str]) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/admin/"),
        ("kpi", "/admin/kpi"),
        ("kpi_targets", "/admin/kpi/targets"),
        ("kpi_rules", "/admin/kpi/rules"),
        ("pipeline", "/admin/pipeline"),
        ("leads", "/admin/leads"),
        ("signals", "/admin/signals"),
        ("playbook", "/admin/playbook"),
        ("org", "/admin/org"),
        ("conversations", "/admin/conversations"),
        ("conversation", detail["conversation"]),
        ("turn", detail["turn"]),
        ("channels", "/admin/channels"),
        ("accounts", "/admin/accounts"),
        ("account", detail["account"]),
        ("prompts", "/admin/prompts"),
        ("prompt", "/admin/prompts/staff_system"),
        ("prompt_diff", "/admin/prompts/staff_system/diff?a=default&b=1"),
        ("knowledge", "/admin/knowledge"),
        ("document", detail["document"]),
        ("chunk", detail["chunk"]),
        ("hittest", "/admin/knowledge/hittest?q=多久可以退款"),
        ("batch", "/admin/knowledge/batch"),
        ("batch_run", "/admin/knowledge/batch/1"),
        ("rules", "/admin/rules"),
        ("rules_version", "/admin/rules/versions/1"),
        ("people", "/admin/people"),
        ("people_page2", "/admin/people?page=2"),
        ("person", detail["person"]),
        ("person_new", "/admin/people/new"),
        ("data", "/admin/data"),
        ("audit", "/admin/audit"),
    ]


async def _check(page, width: int) -> list[str]:
    found = await page.evaluate(OVERFLOW_JS, width)
    problems = []
    if found["inner"] != width:
        problems.append(f"layout viewport is {found['inner']} px, not {width} (the page zoomed out to fit)")
    if found["scroll"] > width:
        problems.append(f"page scrolls sideways: {found['scroll']} px wide")
    problems += [f"sticks out: {w}" for w in found["wide"]]
    problems += [f"squeezed: {s}" for s in found["squeezed"]]
    return problems


async def test_every_console_page_fits_a_phone_and_a_laptop(tmp_path):
    shots = _shots()
    async with (
        FakeOpenAI() as llm,
        running_app(
            tmp_path, knowledge=True, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="t", SALESBOT_LLM_MODEL="fake"
        ) as app,
    ):
        async with serving(app) as base:
            detail = await _seed(app, llm, tmp_path, base)
            pw = await playwright_api.async_playwright().start()
            problems: dict[str, list[str]] = {}
            try:
                for label, (width, height) in VIEWPORTS.items():
                    context = await pw.chromium.launch_persistent_context(
                        str(tmp_path / f"profile-{label}"),  # a fresh --user-data-dir per run
                        executable_path=shutil.which(CHROMIUM) or CHROMIUM,
                        headless=True,
                        args=ARGS,
                        viewport={"width": width, "height": height},
                        is_mobile=label == "phone",
                        has_touch=label == "phone",
                        device_scale_factor=2 if label == "phone" else 1,
                        locale="zh-CN",
                    )
                    try:
                        page = context.pages[0] if context.pages else await context.new_page()
                        page.set_default_timeout(60_000)
                        await page.goto(base + "/admin/login")
                        problems[f"{label} login"] = await _check(page, width)
                        await page.screenshot(path=str(shots / f"{label}-login.png"), full_page=True)
                        await page.fill("input[name=username]", "boss")
                        await page.fill("input[name=password]", ADMIN_PASSWORD)
                        await page.click("button[type=submit]")
                        await page.wait_for_url(base + "/admin/")
                        for name, path in _pages(detail):
                            response = await page.goto(base + path)
                            assert response is not None and response.status == 200, (
                                f"{path}: {response and response.status}"
                            )
                            problems[f"{label} {name}"] = await _check(page, width)
                            await page.screenshot(path=str(shots / f"{label}-{name}.png"), full_page=True)
                        # the navigation wraps: every link inside the screen, none hidden under another
                        await page.goto(base + "/admin/")
                        boxes = [await link.bounding_box() for link in await page.query_selector_all("header nav a")]
                        assert len(boxes) >= 10
                        assert all(b["x"] >= 0 and b["x"] + b["width"] <= width + 1 for b in boxes), boxes
                        for i, a in enumerate(boxes):
                            for b in boxes[i + 1 :]:
                                overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
                                overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
                                assert overlap_x <= 1 or overlap_y <= 1, (a, b)
                        # the charts scale to the card instead of being cut off
                        for chart in await page.query_selector_all("svg.chart"):
                            box = await chart.bounding_box()
                            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
                        if label == "phone":
                            # the people table scrolls sideways inside itself; its names read on one line
                            await page.goto(base + "/admin/people")
                            table = await page.query_selector("#people")
                            assert await table.evaluate("t => t.scrollWidth > t.clientWidth")
                            lines = await page.eval_on_selector(
                                "#people td",
                                "c => { const r = document.createRange(); r.selectNodeContents(c);"
                                " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size }",
                            )
                            assert lines == 1, f"the first name wraps onto {lines} lines"
                    finally:
                        await context.close()
            finally:
                await pw.stop()
    print(f"\nscreenshots: {shots}")
    bad = {page: found for page, found in problems.items() if found}
    assert not bad, "\n".join(f"{page}: {'; '.join(found)}" for page, found in bad.items())
    assert len(list(shots.glob("phone-*.png"))) == len(list(shots.glob("laptop-*.png"))) == len(_pages(detail)) + 1
