"""Time to the first visible sign of progress, per channel, with the fake model at 0 s and 1 s latency.

    .venv/bin/python benchmarks/progress_latency.py            # 5 rounds per cell
    .venv/bin/python benchmarks/progress_latency.py --rounds 2

In-process: the app with its real adapters against the protocol-faithful fakes (tests/fakes/), the fake
OpenAI server streaming a 60-character answer in 6-character chunks 20 ms apart after its latency. A free-text
message is sent as the platform would and the clock runs until the rep could see something:

  * DingTalk: the AI card exists (createAndDeliver reached the fake), or any message was sent;
  * WeCom AI bot: a stream refresh (polled every 50 ms; WeCom's own refresh is slower) shows content;
  * WeCom self-built app: the first message/send (「正在处理…」 past SALESBOT_PROGRESS_NOTICE_SECONDS = 3 s,
    else the answer itself).

"answer" is the time until the whole answer is there. Target: first sign ≤ 1 s on DingTalk and the AI bot.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this folder comes first on sys.path, and benchmarks/dingtalk_stream.py would hide the
# dingtalk_stream package the DingTalk adapter imports
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe  # noqa: E402
from tests.fakes.dingtalk import FakeDingTalk  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, text  # noqa: E402
from tests.fakes.wecom import aibot_text, text_xml  # noqa: E402
from tests.test_dingtalk_e2e import REP, dingtalk_app  # noqa: E402
from tests.wecom_support import CORP_ID, wecom_rig  # noqa: E402

ANSWER = "华东机械最近一次拜访是上周三，李总关心二期扩容的交付周期，建议这周把报价发过去，并约技术交流。"
USER = {"userid": "zhangsan", "name": "张三", "department": [2], "main_department": 2}


def llm_env(llm: FakeOpenAI) -> dict[str, str]:
    return {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "x", "SALESBOT_LLM_MODEL": "fake"}


async def until(predicate, timeout: float = 20.0, step: float = 0.005) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise TimeoutError("nothing visible")
        await asyncio.sleep(step)
    return time.monotonic()


async def dingtalk_round(tmp: Path, llm: FakeOpenAI, rounds: int) -> list[tuple[float, float]]:
    fake = FakeDingTalk()
    await fake.start()
    out = []
    try:
        async with dingtalk_app(tmp, fake, **llm_env(llm)) as (app, adapter):
            for n in range(rounds):
                before_cards, before_sends = set(fake.cards), len(fake.webhook_sends)
                payload = fake.robot_message(f"华东机械最近怎么样 {n}", staff_id=REP)
                start = time.monotonic()
                await fake.send_callback(payload)
                first = await until(lambda: set(fake.cards) - before_cards or len(fake.webhook_sends) > before_sends)
                new = lambda: [fake.cards[k] for k in set(fake.cards) - before_cards]  # noqa: E731
                done = await until(lambda: any(c["params"].get("flowStatus") == "3" for c in new()))
                await app.drain()
                out.append((first - start, done - start))
    finally:
        await fake.close()
    return out


async def aibot_round(tmp: Path, llm: FakeOpenAI, rounds: int) -> list[tuple[float, float]]:
    out = []
    async with wecom_rig(tmp, **llm_env(llm)) as rig:
        rig.qyapi.users["zhangsan"] = USER
        for n in range(rounds):
            msg = aibot_text(f"bench-{n}", "zhangsan", "华东机械最近怎么样", response_url=rig.qyapi.response_url())
            start = time.monotonic()
            first_reply = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(msg)).body)["stream"]
            sid = first_reply["id"]
            first = done = None
            k = 0
            while done is None:
                k += 1
                refresh = {"aibotid": msg["aibotid"], "msgid": f"r{n}-{k}", "msgtype": "stream", "stream": {"id": sid}}
                refresh.update({key: msg[key] for key in ("chattype", "from") if key in msg})
                stream = rig.aibot.decrypt_json_reply((await rig.aibot.post_json(refresh)).body)["stream"]
                now = time.monotonic()
                if stream["content"] and first is None:
                    first = now
                if stream["finish"]:
                    done = now
                await asyncio.sleep(0.05)
            await rig.settle()
            out.append((first - start, done - start))
    return out


async def app_round(tmp: Path, llm: FakeOpenAI, rounds: int) -> list[tuple[float, float]]:
    out = []
    async with wecom_rig(tmp, **llm_env(llm)) as rig:
        rig.qyapi.users["zhangsan"] = USER
        for n in range(rounds):
            before = len(rig.qyapi.sends())
            start = time.monotonic()
            await rig.sender.post_xml(text_xml(CORP_ID, "zhangsan", "华东机械最近怎么样", f"bench-{n}"))
            first = await until(lambda: len(rig.qyapi.sends()) > before)
            done = await until(
                lambda: any(
                    (s.get("text") or s.get("markdown") or {}).get("content") == ANSWER
                    for s in rig.qyapi.sends()[before:]
                )
            )
            await rig.settle()
            out.append((first - start, done - start))
    return out


CHANNELS = [("DingTalk (AI card)", dingtalk_round), ("WeCom AI bot", aibot_round), ("WeCom self-built app", app_round)]


async def run(rounds: int) -> None:
    print(describe())
    print(f"{rounds} rounds per cell; seconds from the message to what the rep sees\n")
    print("| channel | model latency | first sign p50 | first sign max | answer p50 | answer max |")
    print("|---|---|---|---|---|---|")
    for latency in (0.0, 1.0):
        async with FakeOpenAI(latency=latency, stream_chunk_chars=6, stream_chunk_delay=0.02) as llm:
            llm.responder = lambda body: text(ANSWER)
            for name, measure in CHANNELS:
                with tempfile.TemporaryDirectory() as tmp:
                    samples = await measure(Path(tmp), llm, rounds)
                firsts, answers = [s[0] for s in samples], [s[1] for s in samples]
                print(
                    f"| {name} | {latency:.0f} s | {statistics.median(firsts):.3f} | {max(firsts):.3f} "
                    f"| {statistics.median(answers):.3f} | {max(answers):.3f} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.rounds))


if __name__ == "__main__":
    main()
