"""A period said in words ("this month", "last 30 days", "May 2022", "2022", "yesterday", a
day; nothing: all of history), and the SQL that keeps a column within it. Statistics, a
customer's payments and a customer's rentals all read periods through here."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from assistant.errors import StoreError

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name} | {
    name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True)
class Period:
    start: datetime | None  # None: from the beginning
    end: datetime | None  # exclusive; None: until now
    words: str  # how the answer names it


ALL_TIME = Period(None, None, "all time")


def period_of(words: str | None, today: date) -> Period:
    """The period the clerk named (a day too: "July 20th 2022"); StoreError when the words
    are not a period."""
    said = " ".join(re.findall(r"[a-z0-9]+", (words or "").lower()))
    said = re.sub(r"^(in|for|during|over|from|of|since|on) ", "", said)
    if said in ("", "all", "all time", "ever", "overall", "in total", "total"):
        return ALL_TIME

    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time()).astimezone()

    if said in ("today", "yesterday"):
        day = today if said == "today" else today - timedelta(days=1)
        return Period(at(day), at(day + timedelta(days=1)), said)
    if match := re.fullmatch(r"(this|last|past|previous) (week|month|year)", said):
        which, unit = match.groups()
        start = {"week": today - timedelta(days=today.weekday()),
                 "month": today.replace(day=1), "year": today.replace(month=1, day=1)}[unit]
        if which == "this":
            return Period(at(start), None, said)
        before = {"week": start - timedelta(days=7), "month": (start - timedelta(days=1))
                  .replace(day=1), "year": start.replace(year=start.year - 1)}[unit]
        return Period(at(before), at(start), said)
    if match := re.fullmatch(r"(?:the )?(?:last|past|previous) (\d+) (day|week|month|year)s?",
                             said):
        count, unit = int(match.group(1)), match.group(2)
        return Period(at(today - timedelta(days=count * _UNITS[unit] - 1)), None, said)
    if match := re.fullmatch(r"([a-z]+)(?: (\d{4}))?", said):
        month, year = MONTHS.get(match.group(1)), int(match.group(2) or today.year)
        if month:
            start = date(year, month, 1)
            end = (start + timedelta(days=32)).replace(day=1)
            return Period(at(start), at(end), f"{calendar.month_name[month]} {year}")
    if re.fullmatch(r"\d{4}", said):
        year = int(said)
        return Period(at(date(year, 1, 1)), at(date(year + 1, 1, 1)), said)
    # one day: "July 20th 2022", "the 20th of July", "nov 11" (this year), "2022-07-20"
    day = (re.fullmatch(r"(?P<m>[a-z]+) (?P<d>\d{1,2})(?:st|nd|rd|th)?(?: (?P<y>\d{4}))?", said)
           or re.fullmatch(r"(?:the )?(?P<d>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<m>[a-z]+)"
                           r"(?: (?P<y>\d{4}))?", said)
           or re.fullmatch(r"(?P<y>\d{4}) (?P<m>\d{1,2}) (?P<d>\d{1,2})", said))
    month = day and (MONTHS.get(day["m"]) or (day["m"].isdigit() and int(day["m"])))
    if month:
        try:
            when = date(int(day["y"] or today.year), month, int(day["d"]))
        except ValueError:
            raise StoreError(f"'{words}' is not a day of the calendar.") from None
        return Period(at(when), at(when + timedelta(days=1)),
                      f"{calendar.month_name[when.month]} {when.day}, {when.year}")
    raise StoreError(f"'{words}' is not a period I know: say e.g. 'this month', "
                     "'last 30 days', 'May 2022' or '2022'.")


def in_period(period: Period, column: str) -> tuple[str, dict]:
    """SQL keeping `column` within the period, and its parameters."""
    clauses, params = [], {}
    if period.start:
        clauses.append(f"{column} >= :start")
        params["start"] = period.start
    if period.end:
        clauses.append(f"{column} < :end")
        params["end"] = period.end
    return " AND ".join(clauses) or "true", params
