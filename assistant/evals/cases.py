"""Evaluation cases: YAML files of conversations and what must come of them, validated here.

A file holds `cases:` (a list) and may set a `category:` for all of them; other top-level
keys are free (e.g. `snippets:` for YAML anchors the cases reuse). A case:

    - id: tools-stock-at-store-2          # unique; lowercase, digits, - _ .
      category: tools                     # routing, tools, grounded, multi_turn, ambiguity,
                                          # write_safety
      about: why this case exists         # optional
      live_only: false                    # true: only a real model can pass it (skipped offline)
      given:                              # SQL run before the case; the first row's columns
        film: SELECT film_id, title FROM film ORDER BY film_id LIMIT 1     # as {{ film.title }}
        willies: {sql: "SELECT ...", rows: all}                             # every row: a list
      setup: ["UPDATE film SET description = ... WHERE film_id = {{ film.film_id }}"]
      teardown: [...]                     # run after the case, also when it fails
      clerk: {decision: cancel}           # the scripted clerk: cancel (default), timeout or
                                          # confirm, then token: right (default), wrong or none
      writes: 0                           # rentals created + returned the case must end with
      turns:
        - say: "is {{ film.title | lower }} in stock at store 2?"
          via: chat                       # or rest: POST /api/v1/ai/handoff (nobody approves)
          clerk: {decision: confirm}      # this turn's clerk, when it differs
          expect:
            agent: SearchAgent            # default; LLMAgent for general questions; null: any
            calls:                        # functions that must be called, with the arguments
              - function: Films-film_availability      # that matter (others may differ)
                args: {store_id: 2}
                args_one_of:                              # and one of these, in full
                  - {film_id: "{{ film.film_id }}"}
                  - {title: "{{ film.title }}"}
            only_calls: false             # true: no other store function may be called
            forbid: [Rentals-create_rental]           # functions that must not be called
            facts:                        # values from the database the answer must state
              - sql: SELECT count(*) FROM ...         # every value of every row (match: all),
                match: all                            # one of them (any), or none of them
              - service: films.film_stock             # a domain service, called with a
                args: {film_id: "{{ film.film_id }}"}  # connection and these arguments;
                pick: "*.in_stock"                     # a path into its result (* = each)
            says: ["in stock"]            # phrases the answer contains (any case)
            says_any: ["no", "not"]       # at least one of these
            never_says: ["is rented to"]  # none of these
            asks_back: true               # the answer is a question back (and nothing written)
            approval_asked: false         # whether the clerk was asked to confirm in this turn

Argument values are compared loosely: any case and spacing for text, numerically for numbers
("2" == 2.0). A value may also be a matcher: {one_of: [...]}, {contains: "text"},
{between: [low, high]}, {absent: true} or {or_absent: value} (that value, or left out).

Facts are matched as values, not fragments: a number as a whole number (16 is not in 160),
money with two decimals, a date as YYYY-MM-DD, text in any case.

Every string is a Jinja2 template over `given` and `admin_token` (the eval store's admin
token), `staff_id`, `staff_store` (the clerk's store, where rentals are made); `| sql` quotes a
value as an SQL literal.
"""

from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Category = Literal["routing", "tools", "grounded", "multi_turn", "ambiguity", "write_safety"]
CATEGORIES: tuple[str, ...] = get_args(Category)
AGENTS = ("SearchAgent", "LLMAgent")
CONFIG_FILES = frozenset({"prices.yaml", "thresholds.yaml"})  # beside the cases, not cases
FUNCTION_NAME = r"^[A-Za-z]+-[A-Za-z_]+$"  # Plugin-function, as Semantic Kernel names them


class CaseError(ValueError):
    """A case file that cannot be used: bad YAML, a field that fails validation, a duplicate."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clerk(Strict):
    """How the scripted clerk answers an approval. By default it never confirms."""

    decision: Literal["cancel", "timeout", "confirm"] = "cancel"
    token: Literal["right", "wrong", "none"] = "right"


class ExpectedCall(Strict):
    function: str = Field(pattern=FUNCTION_NAME)
    args: dict[str, Any] = {}
    args_one_of: list[dict[str, Any]] = []  # alternatives: e.g. the film by id or by title


class Fact(Strict):
    """A value the answer must state, read from the database when the turn has run."""

    sql: str | None = None
    service: str | None = Field(default=None, pattern=r"^(films|customers|rentals)\.[a-z_]+$")
    args: dict[str, Any] = {}
    pick: str | None = None
    match: Literal["all", "any", "none"] = "all"
    label: str | None = None

    @model_validator(mode="after")
    def one_source(self) -> "Fact":
        if (self.sql is None) == (self.service is None):
            raise ValueError("a fact needs exactly one of sql or service")
        if self.args and self.service is None:
            raise ValueError("args go with a service (SQL takes its values from templates)")
        return self


class Expect(Strict):
    agent: Literal["SearchAgent", "LLMAgent"] | None = "SearchAgent"
    calls: list[ExpectedCall] | None = None
    only_calls: bool = False
    forbid: list[str] = []
    facts: list[Fact] = []
    says: list[str] = []
    says_any: list[str] = []
    never_says: list[str] = []
    asks_back: bool | None = None
    approval_asked: bool | None = None

    @model_validator(mode="after")
    def only_with_calls(self) -> "Expect":
        if self.only_calls and self.calls is None:
            raise ValueError("only_calls needs calls")
        return self


class TurnSpec(Strict):
    say: str = Field(min_length=1)
    via: Literal["chat", "rest"] = "chat"
    clerk: Clerk | None = None
    expect: Expect = Expect()


class Given(Strict):
    sql: str
    rows: Literal["one", "all"] = "one"


class Case(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    about: str = ""
    live_only: bool = False
    given: dict[str, Given] = {}
    setup: list[str] = []
    teardown: list[str] = []
    clerk: Clerk = Clerk()
    writes: int = Field(default=0, ge=0)
    turns: list[TurnSpec] = Field(min_length=1)
    source: str = ""  # the file it came from (set by the loader)

    @model_validator(mode="before")
    @classmethod
    def given_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("given"), dict):
            data = {**data, "given": {k: {"sql": v} if isinstance(v, str) else v
                                      for k, v in data["given"].items()}}
        return data


# --- loading -------------------------------------------------------------------------------


def case_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CaseError(f"no cases at {path}")
    files = sorted(p for p in path.glob("*.yaml") if p.name not in CONFIG_FILES)
    if not files:
        raise CaseError(f"no case files (*.yaml) in {path}")
    return files


def load_cases(path: Path | str) -> list[Case]:
    """Every case in a file, or in the *.yaml files of a folder (in file order)."""
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for file in case_files(Path(path)):
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise CaseError(f"{file}: not valid YAML: {error}") from None
        if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
            raise CaseError(f"{file}: expected a mapping with a 'cases' list")
        default_category = document.get("category")
        for index, raw in enumerate(document["cases"]):
            if not isinstance(raw, dict):
                raise CaseError(f"{file}: case #{index + 1} is not a mapping")
            raw = {"category": default_category, **raw, "source": file.name}
            if raw["category"] is None:
                raw.pop("category")
            try:
                case = Case.model_validate(raw)
            except ValidationError as error:
                name = raw.get("id", f"#{index + 1}")
                raise CaseError(f"{file}: case {name}: {error}") from None
            if case.id in seen:
                raise CaseError(f"{file}: duplicate case id {case.id} (also in {seen[case.id]})")
            seen[case.id] = file.name
            cases.append(case)
    return cases


def select(cases: list[Case], patterns: str | None) -> list[Case]:
    """Cases whose id or category matches one of the comma-separated glob patterns."""
    if not patterns:
        return cases
    from fnmatch import fnmatchcase

    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    return [c for c in cases if any(fnmatchcase(c.id, p) or c.category == p for p in wanted)]


# --- templates -----------------------------------------------------------------------------


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


_templates = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                keep_trailing_newline=False)
_templates.filters["sql"] = _sql_literal


def render(value: Any, variables: dict[str, Any]) -> Any:
    """`value` with every string in it rendered as a template (dicts and lists walked)."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        return _templates.from_string(value).render(variables)
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, variables) for v in value]
    return value
