"""The agents' instructions, kept as files in prompts/ and read once at start.

A prompt may hold `{functions}`: the list of the kernel's store functions, written from their
own declarations (name and first sentence of the description), never typed by hand.
"""

from functools import cache
from pathlib import Path

from semantic_kernel import Kernel

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@cache
def load_prompt(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8").strip()


def instructions(name: str, kernel: Kernel) -> str:
    """The prompt `name`, with `{functions}` filled in from the kernel's functions."""
    return load_prompt(name).replace("{functions}", function_list(kernel))


def function_list(kernel: Kernel) -> str:
    lines = []
    for function in kernel.get_full_list_of_function_metadata():
        summary = (function.description or "").split(". ")[0].rstrip(".")
        lines.append(f"  - {function.name}: {summary}.")
    return "\n".join(lines)
