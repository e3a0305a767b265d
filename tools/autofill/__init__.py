"""Autofill: a meeting transcript becomes CRM update suggestions the rep confirms; nothing is written silently.

A transcript arrives pasted, as `/纪要 <文字>`, as a txt/docx file or as a recording (inputs.py); facts are
extracted with rules (extract.py) plus the LLM when there is one (llm_extract.py), compared with the CRM
(reconcile.py) and stored as a batch of suggestions (models.py). review.py owns the chat side: the card,
accept / edit / reject, applying with provenance, reminders and expiry.

Exposes `register(capabilities)` for the composition root and `expire_and_remind(app)` for the scheduler.
"""

from tools.autofill.review import expire_and_remind, register

__all__ = ["expire_and_remind", "register"]
