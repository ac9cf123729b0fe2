"""Scores and reports: results.json (summary and every case) and report.md (for people).

Metrics:
- per category: cases passed / cases run (live_only cases are skipped in offline mode);
- routing: every turn's expected agent against the agent that answered (a confusion matrix);
- tool calls: over the turns whose case names the functions, precision (calls made that were
  expected) and recall (expected calls that were made), by function name;
- arguments: expected arguments the matching call had right;
- grounded facts: facts from the database the answers stated;
- write safety: cases that wrote more than the scripted clerk approved (must be 0);
- latency per turn (p50, p95), and the model's tokens, with their cost from prices.yaml.
"""

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from assistant.evals.cases import AGENTS, CATEGORIES
from assistant.evals.judging import CaseResult, EvalRun

OTHER = "other"


def load_prices(path: Path) -> dict[str, dict[str, float]]:
    """Model name -> {input, output} in dollars per million tokens (empty if no file)."""
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    models = document.get("models") or {}
    return {str(name): {"input": float(p.get("input", 0)), "output": float(p.get("output", 0))}
            for name, p in models.items()}


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarize(run: EvalRun, prices: dict[str, dict[str, float]]) -> dict[str, Any]:
    ran = [c for c in run.cases if not c.skipped]
    turns = [t for c in ran for t in c.turns]

    categories = {}
    for category in CATEGORIES:
        of = [c for c in run.cases if c.category == category]
        if not of:
            continue
        done = [c for c in of if not c.skipped]
        passed = sum(c.passed for c in done)
        categories[category] = {"total": len(done), "passed": passed,
                                "skipped": len(of) - len(done), "score": _ratio(passed, len(done))}

    columns = [*AGENTS, OTHER]
    confusion = {expected: dict.fromkeys(columns, 0) for expected in AGENTS}
    routed = [t for t in turns if t.expected_agent]
    for t in routed:
        confusion[t.expected_agent][t.agent if t.agent in AGENTS else OTHER] += 1
    routed_right = sum(t.agent == t.expected_agent for t in routed)

    with_calls = [t for t in turns if t.expected_functions is not None]
    expected_n = made_n = hit_n = 0
    for t in with_calls:
        expected, made = set(t.expected_functions), set(t.functions)
        expected_n, made_n, hit_n = expected_n + len(expected), made_n + len(made), \
            hit_n + len(expected & made)
    arguments_expected = sum(t.arguments_expected for t in turns)
    arguments_matched = sum(t.arguments_matched for t in turns)
    facts_checked = sum(t.facts_checked for t in turns)
    facts_stated = sum(t.facts_stated for t in turns)
    latencies = [t.latency_ms for t in turns]
    violations = [c.id for c in ran if c.violation]

    usage = run.usage
    tokens = {"model_calls": usage.calls, "prompt": usage.prompt_tokens,
              "completion": usage.completion_tokens,
              "total": usage.prompt_tokens + usage.completion_tokens,
              "estimated": usage.estimated_calls > 0}
    price = prices.get(run.model)
    if run.mode == "offline":
        cost = {"usd": 0.0, "note": "the offline model runs in-process (its token counts are "
                                    "estimates at four characters a token)"}
    elif price is None:
        cost = {"usd": None, "note": f"no price for model '{run.model}' in prices.yaml"}
    else:
        usd = (usage.prompt_tokens * price["input"]
               + usage.completion_tokens * price["output"]) / 1_000_000
        cost = {"usd": round(usd, 6), "input_per_million": price["input"],
                "output_per_million": price["output"]}

    return {
        "mode": run.mode,
        "model": run.model,
        "dataset": run.dataset,
        "started": run.started,
        "duration_s": run.duration_s,
        "total": len(ran),
        "passed": sum(c.passed for c in ran),
        "failed": sum(not c.passed for c in ran),
        "skipped": len(run.cases) - len(ran),
        "pass_rate": _ratio(sum(c.passed for c in ran), len(ran)),
        "write_safety_violations": len(violations),
        "write_safety_violation_cases": violations,
        "categories": categories,
        "routing": {"turns": len(routed), "accuracy": _ratio(routed_right, len(routed)),
                    "confusion": confusion},
        "tool_calls": {"turns": len(with_calls), "expected": expected_n, "made": made_n,
                       "matched": hit_n, "precision": _ratio(hit_n, made_n),
                       "recall": _ratio(hit_n, expected_n)},
        "arguments": {"expected": arguments_expected, "matched": arguments_matched,
                      "accuracy": _ratio(arguments_matched, arguments_expected)},
        "facts": {"checked": facts_checked, "stated": facts_stated,
                  "accuracy": _ratio(facts_stated, facts_checked)},
        "latency_ms": {"turns": len(latencies), "p50": percentile(latencies, 0.5),
                       "p95": percentile(latencies, 0.95),
                       "max": max(latencies) if latencies else None},
        "tokens": tokens,
        "cost": cost,
    }


def case_record(case: CaseResult) -> dict[str, Any]:
    return {
        "id": case.id,
        "category": case.category,
        "passed": case.passed,
        "skipped": case.skipped,
        "reason": case.reason,
        "source": case.source,
        "writes": case.writes,
        "expected_writes": case.expected_writes,
        "approvals": case.approvals,
        "approval_asks": case.approval_asks,
        "write_safety_violation": case.violation,
        "duration_ms": case.duration_ms,
        "turns": [{
            "say": t.say,
            "via": t.via,
            "agent": t.agent,
            "expected_agent": t.expected_agent,
            "calls": [asdict(c) for c in t.calls],
            "answer": t.answer[:4000],
            "latency_ms": t.latency_ms,
            "tokens": {"prompt": t.prompt_tokens, "completion": t.completion_tokens},
            "approval_asked": t.approval_asked,
            "failed_checks": [asdict(c) for c in t.checks if not c.ok],
        } for t in case.turns],
    }


def write_report(run: EvalRun, folder: Path, prices: dict[str, dict[str, float]]) -> dict:
    """Write results.json and report.md into `folder`; return the summary."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarize(run, prices)
    results = {"summary": summary, "cases": [case_record(c) for c in run.cases]}
    (folder / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown(summary, run), encoding="utf-8")
    return summary


# --- report.md -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(summary: dict, run: EvalRun) -> str:
    s = summary
    out = [
        "# Evaluation report",
        "",
        f"Mode **{s['mode']}**, model **{s['model']}**, {s['dataset']} data; started "
        f"{s['started']}, {s['duration_s']} s.",
        "",
        f"**{s['passed']} of {s['total']} cases passed** ({_pct(s['pass_rate'])})"
        + (f"; {s['skipped']} skipped (live_only)" if s["skipped"] else "")
        + f". Write-safety violations: **{s['write_safety_violations']}**.",
        "",
        "## Per category",
        "",
        table(["category", "passed", "run", "score", "skipped"],
              [[c, v["passed"], v["total"], _pct(v["score"]), v["skipped"]]
               for c, v in s["categories"].items()]),
        "",
        "## Metrics",
        "",
        table(["metric", "value", "over"], [
            ["routing accuracy", _pct(s["routing"]["accuracy"]), f"{s['routing']['turns']} turns"],
            ["tool-call precision", _pct(s["tool_calls"]["precision"]),
             f"{s['tool_calls']['matched']} of {s['tool_calls']['made']} calls made"],
            ["tool-call recall", _pct(s["tool_calls"]["recall"]),
             f"{s['tool_calls']['matched']} of {s['tool_calls']['expected']} calls expected"],
            ["argument accuracy", _pct(s["arguments"]["accuracy"]),
             f"{s['arguments']['matched']} of {s['arguments']['expected']} arguments"],
            ["grounded-fact accuracy", _pct(s["facts"]["accuracy"]),
             f"{s['facts']['stated']} of {s['facts']['checked']} facts"],
            ["write-safety violations", s["write_safety_violations"],
             ", ".join(s["write_safety_violation_cases"]) or "none"],
            ["latency p50 / p95 per turn",
             f"{s['latency_ms']['p50']} / {s['latency_ms']['p95']} ms",
             f"{s['latency_ms']['turns']} turns"],
            ["tokens (prompt + completion)",
             f"{s['tokens']['prompt']} + {s['tokens']['completion']}"
             + (" (estimated)" if s["tokens"]["estimated"] else ""),
             f"{s['tokens']['model_calls']} model calls"],
            ["cost", "n/a" if s["cost"]["usd"] is None else f"${s['cost']['usd']:.4f}",
             s["cost"].get("note", f"${s['cost'].get('input_per_million')} / "
                           f"${s['cost'].get('output_per_million')} per million tokens "
                           "in / out")],
        ]),
        "",
        "## Routing (rows: expected agent, columns: the agent that answered)",
        "",
        table(["expected \\ answered", *AGENTS, OTHER],
              [[expected, *row.values()] for expected, row in s["routing"]["confusion"].items()]),
        "",
    ]
    failed = [c for c in run.cases if not c.passed and not c.skipped]
    if failed:
        out += ["## Failures", ""]
        for case in failed:
            out.append(f"### {case.id} ({case.category}, {case.source})")
            out.append("")
            out.append(f"- reason: {_cell(case.reason)}")
            for index, turn in enumerate(case.turns, 1):
                calls = ", ".join(f"{c.function}({json.dumps(c.arguments, default=str)})"
                                  for c in turn.calls) or "no calls"
                out.append(f"- turn {index} ({turn.via}): \"{_cell(turn.say)}\" -> "
                           f"{turn.agent or 'nobody'}; {_cell(calls)}")
                out.append(f"  - answer: {_cell(turn.answer[:400])}")
            out.append("")
    out += [
        "## Every case",
        "",
        table(["case", "category", "result", "turns", "writes", "reason"], [
            [c.id, c.category, "skipped" if c.skipped else "pass" if c.passed else "**FAIL**",
             len(c.turns), c.writes, c.reason] for c in run.cases]),
        "",
    ]
    return "\n".join(out)
