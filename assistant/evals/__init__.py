"""The evaluation suite: prompt and agent changes measured, not eyeballed.

Cases are data (YAML, `tests/evals/`): what the clerk says, turn by turn, and what must come of
it (which agent answers, which functions are called with which arguments, which facts from the
database the answer states, whether the clerk was asked to approve, how many rows were
written). `run_eval` runs them through the real agents (offline model or an OpenAI-compatible
one) against a fresh database and scores them; `write_report` writes results.json and
report.md.
"""

from assistant.evals.cases import Case, load_cases
from assistant.evals.report import write_report
from assistant.evals.runner import CaseResult, EvalRun, prepare_database, run_eval, run_suite

__all__ = [
    "Case",
    "CaseResult",
    "EvalRun",
    "load_cases",
    "prepare_database",
    "run_eval",
    "run_suite",
    "write_report",
]
