"""Answers written from what a read function returned, by the shape of its result.

A result is recognised by its fields, never by the function's name: a page of films
(`films`, `total`), titles looked up (`closest`), an actor (`actors`), one film (`film`,
with `stores` for stock), a customer and their rentals, a list of rentals (`rentals`,
`total`), one rental, an error, several matches to choose from. Anything else is shown as
its fields. The function's name only says what was listed ("overdue rentals"). A "how many"
answered by rows of counts (each store's) states their total first.
"""

import re
from typing import Any

from assistant.offline import answers
from assistant.offline.declarations import stem


def answer(function: str, args: dict, data: dict, focus: tuple[str, ...] = ()) -> str:
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
        return f"{head}\n{_fields(rest)}" if rest else head
    if isinstance(data.get("rentals"), list):
        return _rentals(function, data)
    if isinstance(data.get("rental"), dict):
        return answers.rental(data["rental"])
    if isinstance(data.get("rows"), list) and "title" in data:
        return _chart(data)
    return _fields(data, focus)


def _chart(data: dict) -> str:
    """A ranking or a series: its figures as a table (the chat draws the chart beside it)."""
    head = f"**{data['title']}**, {data.get('period') or 'all time'}"
    if not data["rows"]:
        return f"{head}: {data.get('note') or 'no data.'}"
    money = data.get("unit") == "$"
    value = "revenue" if money else data.get("unit", "value")
    lines = [f"| | {value} |", "|---|---:|"]
    for row in data["rows"]:
        figure = f"${row['value']:,.2f}" if money else f"{row['value']:,.0f}"
        lines.append(f"| {row['label']} | {figure} |")
    total = f"\n\nTotal: ${float(data['total']):,.2f}" if data.get("total") is not None else ""
    return f"{head}:\n\n" + "\n".join(lines) + total


def _extra(data: dict) -> dict:
    return {"recommended": data["recommended"]} if "recommended" in data else {}


def _aspect(focus: tuple[str, ...]) -> str | None:
    said = set(focus)
    for aspect, words in (("stream", {"stream"}), ("actors", {"actor"}),
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
    if data.get("pages", 1) > 1:
        first = (data["page"] - 1) * len(shown) + 1 if data["page"] > 1 else 1
        head = (f"Found {total} {what}{order}; page {data['page']} of {data['pages']}"
                f" ({'the first' if data['page'] == 1 else 'from number ' + str(first) + ','}"
                f" {len(shown)}):")
        more = "\n\nSay \"next\" for more." if data["page"] < data["pages"] else ""
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
    with their total first."""
    lines = []
    for key, value in data.items():
        label = key.replace("_", " ")
        if _table(value):
            lines[:0] = _totals(value, label, focus)
            lines.append(f"- {label}:\n\n{_table(value)}\n")
        elif isinstance(value, list):
            lines.append(f"- {label}:" if value else f"- {label}: none")
            lines.extend(f"  - {_item(v)}" for v in value[:25])
        elif value is not None:
            lines.append(f"- {label}: {_item(value, key)}")
    return "\n".join(lines) or "The store returned nothing for that."


_ENTITIES = {"customer", "film", "actor", "rental", "store", "copi", "category"}


def _totals(rows: list[dict], label: str, focus: tuple[str, ...]) -> list[str]:
    """The totals of the counts a "how many" asks for, over every row: the columns named by
    the clerk's words, those naming what is done ("overdue", "out") before those naming
    a thing ("rentals")."""
    if "count" not in focus or len(rows) < 2:
        return []
    said = set(focus)
    counts = [k for k in rows[0] if k.split("_")[-1] != "id"
              and all(isinstance(r.get(k), int) and not isinstance(r.get(k), bool)
                      for r in rows)]
    named = {k: {stem(w) for w in k.split("_")} & said for k in counts}
    best = [k for k in counts if named[k] - _ENTITIES] or [k for k in counts if named[k]]
    if best and len(best) > 1:  # the column that takes most of what was said
        most = max(len(named[k]) for k in best)
        best = [k for k in best if len(named[k]) == most]
    return [f"**Total {k.replace('_', ' ')}, all {label}: {sum(r[k] for r in rows):,}**"
            for k in best]


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
