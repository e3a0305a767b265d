"""Business cards (名片): a photo of a card sent in chat becomes a contact proposal, read offline.

ocr.py reads the photo's text lines (RapidOCR, models inside the wheel, in a worker thread); parse.py turns
the lines into fields (name, title, company, phones, e-mail, address, website), marking what it could not read
with confidence as unclear instead of guessing.
chat.py owns the chat side: the picture handler, the `save_card_contact` write (through the proposal flow) and
the account link. Exposes `register(capabilities)` for the composition root.
"""

from tools.cards.chat import register

__all__ = ["register"]
