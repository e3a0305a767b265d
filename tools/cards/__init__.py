"""Business cards (名片): a photo of a card sent in chat becomes a contact proposal, read offline.

ocr.py reads the photo's text lines (RapidOCR, models inside the wheel, in a worker thread); parse.py turns
the lines into fields (name, title, company, phones, e-mail, address, website), marking what it could not read
with confidence as unclear instead of guessing.
"""
