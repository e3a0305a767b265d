"""Voice notes: a voice message becomes an ordinary text turn.

WeCom's AI bot and DingTalk send their own transcript with a voice message (and the self-built app may carry
a `Recognition` text); those arrive as text and need nothing here. A voice note without one (the self-built
app's AMR voice, a DingTalk audio without recognition) is downloaded by its adapter and transcribed here
through the speech-to-text endpoint the autofill feature configures (SALESBOT_STT_*, any OpenAI-compatible
/audio/transcriptions). The text then takes the usual path: a spoken visit report ends as a visit proposal,
「我有哪些待办」 lists the tasks. Whatever goes wrong is said plainly in Chinese: ASR not configured, the
audio not downloaded, nothing understood.

Exposes `register(capabilities)` for the composition root.
"""

from __future__ import annotations

from bot import replies
from bot.capabilities import Capabilities, Router, ToolContext, ToolError
from tools.autofill.inputs import MAX_AUDIO_BYTES, TranscriptRefused, looks_garbled, speech_to_text, stt_configured

router = Router("voice")

STT_OFF = (
    "收到语音，但还没有配置语音转写，我听不了。先打字发给我吧；要用语音，请管理员在 .env 里设置 "
    "SALESBOT_STT_MODEL（以及 SALESBOT_STT_BASE_URL，指向兼容 OpenAI /audio/transcriptions 的服务，"
    "如 Whisper、FunASR、SenseVoice）。"
)
NOT_DOWNLOADED = "这条语音没下载下来，请再发一次，或者直接打字发给我。"
NOT_UNDERSTOOD = "这条语音没听清（可能太短、太吵或离话筒太远），麻烦再说一遍，或者打字发给我。"


@router.speech
async def hear(ctx: ToolContext) -> str:
    if not stt_configured(ctx.app.settings):
        # a customer is not told about our settings, only to type
        raise ToolError(STT_OFF if ctx.actor.is_staff else replies.VOICE_NOT_TRANSCRIBED)
    attachments = ctx.inbound.attachments if ctx.inbound else []
    if not attachments or attachments[0].data is None:
        raise ToolError(NOT_DOWNLOADED)
    if len(attachments[0].data) > MAX_AUDIO_BYTES:
        raise ToolError("这条语音太长了，转写服务收不下。分几段说，或者打字发给我。")
    try:
        text = (await speech_to_text(ctx.app, attachments[0])).strip()
    except TranscriptRefused as exc:
        if "没有识别出文字" in str(exc):
            raise ToolError(NOT_UNDERSTOOD) from exc
        raise ToolError(str(exc).replace("录音", "语音")) from exc
    # 「是」「好的」 are whole answers; only a longer text is judged by how much of it reads as words
    if not any(ch.isalnum() for ch in text) or (len(text) >= 20 and looks_garbled(text)):
        raise ToolError(NOT_UNDERSTOOD)
    return text


def register(capabilities: Capabilities) -> None:
    capabilities.include(router)
