"""The store's functions as the offline model sees them: their declarations.

The same name, description and JSON schema of parameters that a hosted model receives
(Semantic Kernel's KernelFunctionMetadata), reduced to what the offline model reads: which
words describe a function, and what each parameter takes. Nothing here names a function.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.approvals import WRITE_FUNCTIONS

_WORD = re.compile(r"[a-z]+")
# Words that say nothing about what a function is for.
_PLAIN_WORDS = """
a an the of for to in on at by with and or but is are be it its this that these those as from
one any all each when what which who how their they them e g eg use give given only not no
yes first then so you your if than into up out per about s returns return
"""
_PLAIN = frozenset(_PLAIN_WORDS.split())


def stem(word: str) -> str:
    """A crude stem so that "rentals", "rented", "renting" and "rental" meet."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix == "ies":
                word += "y"
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]  # "rent" from "renting" and "rentt" alike
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _PLAIN]


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # the JSON schema type: string, integer, number, boolean, array
    enum: tuple[str, ...] = ()
    description: str = ""
    required: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split("_"))


@dataclass(frozen=True)
class Tool:
    name: str  # Plugin-function, as the model calls it
    description: str
    params: tuple[Param, ...] = ()
    writes: bool = False
    name_stems: frozenset[str] = field(default=frozenset(), compare=False)
    text_stems: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def function(self) -> str:
        return self.name.split("-", 1)[-1]

    @property
    def noun(self) -> str | None:
        """What a lookup finds: "customer" for find_customer."""
        words = self.function.split("_")
        return words[1] if len(words) == 2 and words[0] in ("find", "get", "lookup") else None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def required(self) -> list[Param]:
        return [p for p in self.params if p.required]


def _param(metadata) -> Param:
    schema = metadata.schema_data or {}
    kind = schema.get("type") or "string"
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum") or ()
    return Param(metadata.name, kind, tuple(enum), metadata.description or
                 schema.get("description") or "", bool(metadata.is_required))


def tool_of(metadata) -> Tool:
    """A Tool from Semantic Kernel's KernelFunctionMetadata."""
    return _tool(metadata.fully_qualified_name, metadata.name, metadata.description or "",
                 tuple(_param(p) for p in metadata.parameters))


@lru_cache(maxsize=256)  # the same few functions every turn: their words read once
def _tool(name: str, function: str, description: str, params: tuple[Param, ...]) -> Tool:
    # The description and the parameters' names: what each parameter is for is in its
    # description, but "How many to return" says nothing about what a function does.
    described = " ".join([description] + [p.name.replace("_", " ") for p in params])
    return Tool(name, description, params, writes=name in WRITE_FUNCTIONS,
                name_stems=frozenset(stems(function.replace("_", " "))),
                text_stems=frozenset(stems(described)))


def tools_of(functions) -> list["Tool"]:
    """Tools from a kernel's function metadata (or Tools already), in the order given."""
    return [f if isinstance(f, Tool) else Tool(f, "", writes=f in WRITE_FUNCTIONS)
            if isinstance(f, str) else tool_of(f) for f in functions or ()]
