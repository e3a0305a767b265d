"""Sales management: targets, KPI alerts, data health and per-level numbers (chat side in chat.py; the
scheduler's jobs in scheduler/kpi_jobs.py; the console pages in salesbot/admin/views_kpi.py)."""

from tools.kpi.chat import register

__all__ = ["register"]
