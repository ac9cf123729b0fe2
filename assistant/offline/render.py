"""Answers written from what a read function returned, by the shape of its result.

A result is recognised by its fields, never by the function's name: a page of films
(`films`, `total`), titles looked up (`closest`), an actor (`actors`), one film (`film`,
with `stores` for stock), a customer and their rentals, a list of rentals (`rentals`,
`total`), one rental, an error, several matches to choose from. Anything else is shown as
its fields. The function's name only says what was listed ("overdue rentals"). The figure a
question asks comes first, in a sentence: the field its words name (the amount for a "how
much", the count for a "how many"), the newest record of a list for "the last payment", a
series' total, a ranking's first. A "how many" answered by rows of counts (each store's)
states their total first, unless the result has the whole figure itself (the catalogue's
films: a film at both stores is one film). A count made up to a bound (`X_is_lower_bound`)
is said as what it is: "more than 1,000".
"""

import re
from typing import Any

from assistant.offline import answers
from assistant.offline.declarations import stem
from plugins.results import AtLeast, counted_up_to_bounds


def _sum(values: Any) -> int:
    values = list(values)
    total = sum(values)
    return AtLeast(total) if any(isinstance(v, AtLeast) for v in values) else total


def answer(function: str, args: dict, data: dict, focus: tuple[str, ...] = ()) -> str:
    data = counted_up_to_bounds(data)
    if data.get("error"):
        return answers.error_text(data["error"], "That did not work.")
    if isinstance(data.get("films"), list) and "searched" in data:
        return _film_page(data)
    if "closest" in data:
        return _titles(data)
    if isinstance(data.get("actors"), list) and "name" in data:
        return _actor(data)
    if isinstance(data.get("film"), dict) and "stores" in data:
        return answers.stock(data, args.get("store_id") or None)
    if isinstance(data.get("film"), dict):
        return answers.film_details({**data["film"], **_extra(data)}, _aspect(focus))
    if isinstance(data.get("customer"), dict) and isinstance(data.get("rentals"), list):
        return answers.customer_rentals(data, overdue_only=False)
    if isinstance(data.get("customer"), dict):
        rest = {k: v for k, v in data.items() if k != "customer"}
        head = answers.customer(data["customer"])
        lead = _headline(rest, focus, data["customer"].get("name") or "")
        head = f"{lead}\n\n{head}" if lead else head
        return f"{head}\n{_fields(rest)}" if rest else head
    if isinstance(data.get("rentals"), list):
        return _rentals(function, data)
    if isinstance(data.get("rental"), dict):
        return answers.rental(data["rental"])
    if isinstance(data.get("rows"), list) and "title" in data:
        return _chart(data)
    if len(data) == 1 and isinstance(next(iter(data.values())), str):  # one thing said
        (key, value), = data.items()
        what = function.split("-", 1)[-1] if key in function else key  # "late_fee_rule"
        return f"{what.replace('_', ' ').capitalize()}: {value}"
    lead = _headline(data, focus, _subject(data))
    fields = _fields(data, focus)
    return f"{lead}\n\n{fields}" if lead else fields


def _chart(data: dict) -> str:
    """A ranking or a series: the answer first (its total, or what comes first), then its
    figures as a table (the chat draws the chart beside it). A series of one row is its
    total alone ("what came in on July 20th?")."""
    period = data.get("period") or "all time"
    head = f"**{data['title']}**, {period}"
    if not data["rows"]:
        return f"{head}: {data.get('note') or 'no data.'}"
    money = data.get("unit") == "$"
    value = "revenue" if money else data.get("unit", "value")

    def figure(amount) -> str:
        return f"${float(amount):,.2f}" if money else f"{float(amount):,.0f}"

    lines = [f"| | {value} |", "|---|---:|"]
    for row in data["rows"]:
        lines.append(f"| {row['label']} | {figure(row['value'])} |")
    if data.get("total") is not None:  # a series: its total is the answer
        what = re.sub(r" per \w+", "", data["title"])
        lead = f"{what}, {period}: **{figure(data['total'])}**"
        if len(data["rows"]) == 1:
            return lead + "."
        return f"{lead} in total.\n\n{head}:\n\n" + "\n".join(lines)
    top = [r for r in data["rows"] if r["value"] == data["rows"][0]["value"]]
    bold = [f"**{r['label']}**" for r in top[:3]]
    names = " and ".join([", ".join(bold[:-1]), bold[-1]] if len(bold) > 1 else bold)
    unit = "" if money else f" {value}"
    each = " each" if len(top) > 1 else ""
    lead = (f"{names} {'come' if len(top) > 1 else 'comes'} first, with "
            f"{figure(top[0]['value'])}{unit}{each}.")
    return f"{lead}\n\n{head}:\n\n" + "\n".join(lines)


def _extra(data: dict) -> dict:
    return {"recommended": data["recommended"]} if "recommended" in data else {}


def _aspect(focus: tuple[str, ...]) -> str | None:
    said = set(focus)
    for aspect, words in (("stream", {"stream"}), ("actors", {"actor"}),
                          ("replacement", {"replacement", "replace", "replac"}),
                          ("price", {"rate", "price"}), ("length", {"length", "minut"})):
        if said & words:
            return aspect
    return None


def _film_page(data: dict) -> str:
    total, shown, what = data.get("total", 0), data.get("films", []), data["searched"]
    note = f"\n\n{data['note']}" if data.get("note") else ""
    if not shown:
        if total and data.get("page", 1) > 1:
            return f"That was all: the {total} {what} fit on {data.get('pages')} page(s).{note}"
        return f"There are no {what}.{note}"
    order = f", {data['sort']}" if data.get("sort") else ""
    bounded = isinstance(total, AtLeast)  # then the pages are not counted either
    if bounded or data.get("pages", 1) > 1:
        first = (data["page"] - 1) * len(shown) + 1 if data["page"] > 1 else 1
        of = "" if bounded else f" of {data['pages']}"
        head = (f"Found {total} {what}{order}; page {data['page']}{of}"
                f" ({'the first' if data['page'] == 1 else 'from number ' + str(first) + ','}"
                f" {len(shown)}):")
        more = "\n\nSay \"next\" for more." if bounded or data["page"] < data["pages"] else ""
    else:
        head, more = f"Found {total} {what}{order}:", ""
    lines = answers.numbered([answers.film_line(f, full=True) for f in shown])
    return f"{head}\n{lines}{note}{more}"


def _titles(data: dict) -> str:
    films = data.get("films", [])
    if films:
        noun = "film matches" if len(films) == 1 else "films match"
        return (f"{len(films)} {noun} '{data['title']}':\n"
                f"{answers.numbered([answers.film_line(f, full=True) for f in films])}")
    closest = data.get("closest") or []
    near = f" The closest titles it has: {', '.join(closest)}." if closest else ""
    return f"The store doesn't carry a film titled like '{data['title']}'.{near}"


def _actor(data: dict) -> str:
    actors = data["actors"]
    if not actors:
        return f"No actor in the store's films is named like '{data['name']}'."
    if len(actors) > 1:
        names = ", ".join(a["name"] for a in actors)
        return f"Several actors match '{data['name']}': {names}. Which one?"
    name, total, films = actors[0]["name"], data.get("total") or 0, data.get("films", [])
    head = f"**{name}** is in {total} film{'s' if total != 1 else ''} the store carries"
    if not films:
        return head + "."
    more = f"; the first {len(films)}" if total > len(films) else ""
    lines = answers.numbered([answers.film_line(f, full=True) for f in films])
    return f"{head}{more}:\n{lines}"


def _rentals(function: str, data: dict) -> str:
    what = function.split("-", 1)[-1].replace("_", " ")  # "overdue rentals"
    total, shown = data.get("total", len(data["rentals"])), data["rentals"]
    where = f" at store {data['store_id']}" if data.get("store_id") else ""
    who = data.get("customer_name") or ""
    if not shown:
        return f"There are no {what}{where}{' of ' + who if who else ''}."
    more = f"; the first {len(shown)}" if total > len(shown) else ""
    return (f"{total} {what if total != 1 else what.rstrip('s')}{where}{more}:\n"
            f"{answers.bullets([answers.rental_line(r) for r in shown])}")


def _fields(data: dict[str, Any], focus: tuple[str, ...] = ()) -> str:
    """A result of a shape this module doesn't know: its fields, in its own words. A count
    asked of several rows ("how many overdue rentals?" of each store's counts) is answered
    with their total first, unless the result has the whole figure itself."""
    lines = []
    for key, value in data.items():
        label = key.replace("_", " ")
        if _table(value):
            lines[:0] = _totals(value, label, focus, _wholes(data))
            lines.append(f"- {label}:\n\n{_table(value)}\n")
        elif isinstance(value, list):
            lines.append(f"- {label}:" if value else f"- {label}: none")
            lines.extend(f"  - {_item(v)}" for v in value[:25])
        elif value is not None:
            lines.append(f"- {label}: {_item(value, key)}")
    return "\n".join(lines) or "The store returned nothing for that."


_ENTITIES = {"customer", "film", "actor", "rental", "store", "copi", "category"}


def _totals(rows: list[dict], label: str, focus: tuple[str, ...],
            wholes: frozenset[str] = frozenset()) -> list[str]:
    """The totals of the counts a "how many" asks for, over every row: the columns named by
    the clerk's words, those naming what is done ("overdue", "out") before those naming
    a thing ("rentals"). A column is summed only when the result has no whole figure of its
    own for the same thing (`wholes`: "films_in_catalogue" beside each store's "films": a
    film stocked at both stores is one film, so the stores' films do not add up)."""
    if "count" not in focus or len(rows) < 2:
        return []
    best = [k for k in _counted(rows, focus) if not _stems(k) & wholes]
    return [f"**Total {k.replace('_', ' ')}, all {label}: {_sum(r[k] for r in rows):,}**"
            for k in best]


def _counted(rows: list[dict], focus: tuple[str, ...]) -> list[str]:
    """The count columns the clerk's words name, the best named first."""
    said = set(focus)
    counts = [k for k in rows[0] if k.split("_")[-1] != "id"
              and all(isinstance(r.get(k), int) and not isinstance(r.get(k), bool)
                      for r in rows)]
    named = {k: _stems(k) & said for k in counts}
    best = [k for k in counts if named[k] - _ENTITIES] or [k for k in counts if named[k]]
    if best and len(best) > 1:  # the column that takes most of what was said
        most = max(len(named[k]) for k in best)
        best = [k for k in best if len(named[k]) == most]
    return best


def _stems(key: str) -> set[str]:
    return {stem(w) for w in key.split("_")}


def _wholes(data: dict) -> frozenset[str]:
    """What the result counts as a whole, at its top level ("films_in_catalogue": films)."""
    return frozenset(s for k, v in data.items() if _figure(k, v) for s in _stems(k)
                     ) & _ENTITIES


# --- the answer first ------------------------------------------------------------------------

_LATEST = {"last", "latest", "recent", "newest"}
_MONEY_TEXT = re.compile(r"-?\d+\.\d{2}")


def _figure(key: str, value: Any) -> bool:
    """A figure a question may ask for: a count or an amount (not an id, a page, a flag)."""
    if key.split("_")[-1] == "id" or key in ("page", "pages") or isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_MONEY_TEXT.fullmatch(value)) and _money(key)


def _money(key: str) -> bool:
    return bool({w.removesuffix("s") for w in key.split("_")} & _MONEY_WORDS)


def _subject(data: dict) -> str:
    """Whom or what a result is about, in words: "rental 276 (EASY GLADIATOR)"."""
    for key, value in data.items():
        if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
            named = next((data[k] for k in ("title", "name") if isinstance(data.get(k), str)),
                         None)
            return f"{key.removesuffix('_id')} {value}" + (f" ({named})" if named else "")
    return ""


def _headline(data: dict, focus: tuple[str, ...], subject: str = "") -> str:
    """The figure the question asks for, in a sentence before the details: the fields named
    by the clerk's words ("balance", "late fee", "paid"), the money one for a "how much" and
    the count for a "how many"; the newest of a list for "the last payment"; the counts of
    a single row ("how many copies at store 2")."""
    said = set(focus)
    if not said:
        return ""
    of = f" for {subject}" if subject else ""
    if data.get("period") not in (None, "all time"):  # a period asked: the figure is its own
        of += f", {data['period']}"
    lines = []
    latest = _latest(data, said, of)
    if latest:
        return latest
    figures = {k: v for k, v in data.items() if _figure(k, v)}
    amounts = [k for k in figures if _money(k)]
    scored = []
    for key, value in figures.items():
        named = len(_stems(key) & said)
        # "how much": an amount first (the only one there is, even unnamed: "her payments,
        # how much?"); "how many": a count first; else an amount before a count
        if "asks:amount" in said:
            kind = 2 if _money(key) else 0
            named = named or (len(amounts) == 1 and key in amounts and _scored_any(figures, said))
        elif "asks:count" in said:
            kind = 2 if isinstance(value, int) else 0
        else:
            kind = 1 if _money(key) else 0
        if named:
            scored.append((kind, named, key, value))
    if scored:  # the best named, and the next when it is named too ("days late and fee")
        scored.sort(key=lambda s: (-s[0], -s[1]))
        chosen = [(k, v) for _, _, k, v in scored[:2]]
        first, *others = [f"{k.replace('_', ' ')}: **{_amount(v, k)}**" for k, v in chosen]
        first = first[0].upper() + first[1:].replace(":", of + ":", 1)
        lines.append(first + "".join(f"; {p}" for p in others) + ".")
    for value in data.values():
        if _table(value) and len(value) == 1 and "count" in said:
            row = value[0]
            where = _subject(row) or subject
            for column in _counted(value, focus):
                lines.append(f"{column.replace('_', ' ').capitalize()}"
                             f"{' for ' + where if where else ''}: **{row[column]:,}**.")
    return "\n".join(lines)


def _scored_any(figures: dict, said: set[str]) -> bool:
    """Some figure of the result is named by the clerk's words."""
    return any(_stems(k) & said for k in figures)


def _latest(data: dict, said: set[str], of: str) -> str:
    """ "When did she last pay?": the newest record of a list (lists come newest first)."""
    if not said & _LATEST:
        return ""
    for key, value in data.items():
        if _table(value):
            row = value[0]
            money = next((k for k, v in row.items() if _figure(k, v) and _money(k)), None)
            when = next((v for v in row.values() if isinstance(v, str) and _WHEN.match(v)),
                        None)
            if money is None:
                continue
            noun = key.removesuffix("s").replace("_", " ")
            on = f" on {_item(when)}" if when else ""
            return f"The latest {noun}{of}: **{_item(row[money], money)}**{on}."
    return ""


def _amount(value: Any, key: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _item(value, key)


_MONEY_WORDS = {"amount", "total", "paid", "fee", "rate", "cost", "price", "balance", "owed",
                "revenue"}
_WHEN = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})[:\d.]*(Z|[+-]\d{2}:?\d{2})?")


def _table(value: Any) -> str:
    """A list of flat records of the same fields, as a markdown table."""
    if not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
        return ""
    keys = list(value[0])
    if any(list(v) != keys or any(isinstance(x, dict | list) for x in v.values())
           for v in value):
        return ""
    head = "| " + " | ".join(k.replace("_", " ") for k in keys) + " |"
    rows = ["| " + " | ".join(_item(v[k], k) for k in keys) + " |" for v in value[:25]]
    return "\n".join([head, "|" + "---|" * len(keys), *rows])


def _item(value: Any, key: str = "") -> str:
    """A value in the store's words: money with a $, a moment as date and time."""
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_item(v, k)}" for k, v in value.items()
                         if v is not None)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    words = {w.removesuffix("s") for w in key.split("_")}
    if words & _MONEY_WORDS and re.fullmatch(r"-?\d+\.\d{2}", text):
        return f"${text}"
    return _WHEN.sub(r"\1 \2", text)
