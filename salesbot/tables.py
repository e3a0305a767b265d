"""Imports every module that defines tables, so Alembic and create_all see them all."""

import bot.models  # noqa: F401
import bot.turn_trace  # noqa: F401
import knowledge.models  # noqa: F401
import salesbot.admin.models  # noqa: F401
import scheduler.models  # noqa: F401
import tools.approvals.models  # noqa: F401
import tools.autofill.models  # noqa: F401
import tools.cards.models  # noqa: F401
import tools.kpi.models  # noqa: F401
import tools.leads.models  # noqa: F401
import tools.pipeline.models  # noqa: F401
import tools.playbook.models  # noqa: F401
import tools.proposals.models  # noqa: F401
import tools.signals.models  # noqa: F401
