"""The pipeline capability: closing deals (won/lost with reasons, reopening), win/loss analysis and the
forecast (categories per deal, learned stage probabilities, weekly snapshots and their accuracy).

Exposes `register(capabilities)` for the composition root; for the scheduler `digest_lines`, `recompute` and
`take_weekly_snapshot`; for the console the analysis and forecast functions.
"""

from bot.capabilities import Capabilities
from tools.pipeline import closing, forecast_chat
from tools.pipeline.digest import digest_lines
from tools.pipeline.forecast import recompute
from tools.pipeline.snapshots import take_weekly_snapshot


def register(capabilities: Capabilities) -> None:
    capabilities.include(closing.router)
    capabilities.include(forecast_chat.router)


__all__ = ["digest_lines", "recompute", "register", "take_weekly_snapshot"]
