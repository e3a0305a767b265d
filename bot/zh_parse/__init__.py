"""Deterministic parsers for the Chinese that sales reps type or speak.

Shared by visit logging, task creation, transcript-to-CRM extraction and the scheduler. Everything here is a
pure function: no I/O, no clock (callers pass the reference date), no model. Finders return the span and the
matched text of the *original* string so callers can quote the evidence.

Submodules, one concern each (their docstrings state the ambiguity rules the tests pin):
- text: half-width normalization that keeps spans valid, clause windows around a match
- numerals: the value of a written number (`cn_number`) and the number patterns the finders share
- money: amounts in CNY yuan (`find_money`)
- quantities: counts of seats, licenses, users (`find_quantities`)
- discounts: "8折", "优惠20%" (`parse_discount`, `discount_detail`)
- dates: dates in text and short phrases (`find_dates`, `resolve_date`), weekday names and day labels;
  `plan_dates` reads them the way a plan in meeting notes means them (国庆前 = 09-30, 春节前 = 除夕)
- times: clock times and day parts, attached to dates by `find_dates`
- contacts: phone numbers and e-mail addresses (`find_phones`, `find_emails`)
- asr: clause marks for an unpunctuated speech-recognition run (`punctuate_asr`)
- spoken: fillers, self-corrections and colloquial amounts of dictated text (`clean_spoken`)
- workdays: Chinese working days, holidays and make-up workdays included
"""

from bot.zh_parse.contacts import find_emails, find_phones
from bot.zh_parse.dates import find_dates, plan_dates, resolve_date
from bot.zh_parse.discounts import discount_detail, parse_discount
from bot.zh_parse.money import find_money
from bot.zh_parse.numerals import cn_number
from bot.zh_parse.quantities import DEFAULT_QUANTITY_UNITS, find_quantities
from bot.zh_parse.workdays import add_workdays, calendar_covers, is_workday, next_workday, workdays_between

# The names modules outside the package import; result types (Found, DateFound, …) live in their submodules.
__all__ = [
    "cn_number",
    "find_money",
    "find_quantities",
    "DEFAULT_QUANTITY_UNITS",
    "parse_discount",
    "discount_detail",
    "find_dates",
    "plan_dates",
    "resolve_date",
    "find_phones",
    "find_emails",
    "is_workday",
    "next_workday",
    "add_workdays",
    "workdays_between",
    "calendar_covers",
]
