"""`make bench`: latency and throughput of the REST API on the official Pagila data.

    uv run python tests/bench/run.py [--duration 10] [--warmup 2] [--case "film by id"]

What it does:
1. starts a private embedded PostgreSQL in .pagila-bench/ (database `bench`) and loads the
   official Pagila into it once (PAGILA_DIR, default ../shared/pagila; reused when `film` already
   holds its 1000 rows);
2. starts our server (`pagila-assistant serve`, LOG_LEVEL=WARNING so no per-request log line),
   a second one with LOG_LEVEL=INFO and LOG_FORMAT=json into /dev/null (the logging overhead),
   and the floor (tests/bench/floor_app.py: Starlette + psycopg pool, no ORM), all on uvicorn
   with one worker, uvloop and httptools, no access log;
3. drives each case with wrk (a separate process, one thread) at concurrency 1 and 16: a warm-up
   run, then a measured run. The film list and film by id also run against the floor at
   concurrency 16 right after ours, and film by id c=16 against the INFO-logging server;
4. prints a markdown table (also written to artifacts/bench.md) and PASS/MISS per target, and
   counts the database connections opened during each measured run (pool churn);
5. times chat turns on our server with the offline model (LLM_MODE=offline): 18 fixed
   questions of 8 kinds (catalogue, film details, customer, rentals, overdue, money, a film not
   carried, general) through POST /api/v1/ai/handoff, one at a time with http.client, once to
   warm up (the first turn loads the store's vocabulary) and then 5 rounds; reports p50/p95 per
   kind and overall (target: overall p50 <= 50 ms) and whether the expected agent answered;
6. plays a scripted 20-turn chat conversation through the real agents against a scripted
   OpenAI-compatible server (tests/bench/conversation.py) and reports what each turn sends
   the model (requests, bytes, estimated tokens).

With --scale N (`make bench SCALE=100`) it measures the demo store at x1 and xN side by side
instead: the reads of issue 11, REST and chat, against its targets (tests/bench/scale.py).

About 4 minutes with the defaults (the chat turns take about 5 s, the conversation about
20 s). Our server's output goes to artifacts/bench-ours.log, the floor's to
artifacts/bench-floor.log.

Exit status: 0 unless a request failed (non-2xx/3xx responses or socket errors reported by wrk,
a pre-check request that did not answer 200, or a chat turn that did not answer 200 with a
non-empty answer) or the harness itself failed. Missed targets and chat turns answered by an
unexpected agent are reported, not fatal.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_AUTH_SECRET = "bench-chainlit-auth-secret"  # required with PAGILA_DSN
sys.path.insert(0, str(ROOT))

P50_TARGET_MS = 2.0  # at concurrency 1, every case
FLOOR_SHARE_TARGET = 70.0  # % of the floor's requests/s at concurrency 16
FLOOR_CONCURRENCY = 16
PAGILA_FILMS = 1000


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    floor: bool = False  # the floor app serves it too


CASES = (
    Case("film list", "/api/v1/films", floor=True),
    Case("film list by category", "/api/v1/films?category=Action"),
    Case("title search", "/api/v1/films/search/title?q=ALIEN"),
    Case("film by id", "/api/v1/films/1", floor=True),
    Case("customer's rentals", "/api/v1/customers/148/rentals"),
    Case("active rentals", "/api/v1/rentals/active"),
)
LOGGING_CASE = "film by id"

CHAT_P50_TARGET_MS = 50.0  # overall, offline model, one turn at a time
CHAT_ROUNDS = 5  # measured turns per question, after one warm-up round
CHAT_QUESTIONS = {  # kind -> questions, on the official Pagila
    "catalogue": ("comedies under $1", "R-rated horror under an hour and a half",
                  "the longest dramas from 2006", "films with penelope guiness"),
    "film details": ("tell me about ACADEMY DINOSAUR", "who is in ACADEMY DINOSAUR?",
                     "is ACADEMY DINOSAUR in stock at store 2?"),
    "customer": ("find customer MARY.SMITH@sakilacustomer.org", "what is Mary Smith renting?",
                 "customer three fifty four"),
    "rentals": ("what's out at store 2?", "rental 12971"),
    "overdue": ("what's overdue?", "is Mary Smith late with anything?"),
    "money": ("how much has Mary Smith paid us?",),
    "not carried": ("do you have The Godfather?",),
    "general": ("who painted the Mona Lisa?", "hi there"),
}  # fmt: skip


def expected_agent(kind: str) -> str:
    return "LLMAgent" if kind == "general" else "SearchAgent"


@dataclass
class Result:
    p50_ms: float
    p99_ms: float
    rps: float
    requests: int
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    connects: int | None = None  # database sessions opened during the measured run

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


@dataclass
class ChatResult:
    first_ms: float  # the very first turn: it loads the store's vocabulary
    ms: dict[str, list[float]] = field(default_factory=dict)  # kind -> every measured turn
    wrong: dict[str, str] = field(default_factory=dict)  # question -> the agent that answered


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- wrk


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise BenchError(f"cannot read wrk latency {value!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> Result:
    """Read p50, p99, requests/s and the error counts from `wrk --latency` output."""

    def find(pattern: str) -> re.Match | None:
        return re.search(pattern, output, re.MULTILINE)

    p50, p99 = find(r"^\s*50%\s+(\S+)"), find(r"^\s*99%\s+(\S+)")
    rps, total = find(r"^Requests/sec:\s+([\d.]+)"), find(r"^\s*(\d+) requests in")
    if not (p50 and p99 and rps and total):
        raise BenchError(f"cannot read wrk output:\n{output}")
    result = Result(_ms(p50[1]), _ms(p99[1]), float(rps[1]), int(total[1]))
    if non_2xx := find(r"Non-2xx or 3xx responses:\s+(\d+)"):
        result.non_2xx = int(non_2xx[1])
    if sockets := find(r"Socket errors: (.*)$"):
        result.socket_errors = {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", sockets[1])}
    return result


def run_wrk(url: str, concurrency: int, seconds: int) -> Result:
    command = [
        "wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "--timeout", "5s", url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post_json(port: int, path: str, payload: dict, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, json.dumps(payload), {"content-type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """A server subprocess in its own process group (so its children go with it)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path | None):
        self.name, self.port = name, int(command[command.index("--port") + 1])
        self.log = log
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        if log:
            out.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.process.returncode}{self._tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, "/health", timeout=2)[0] == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} not healthy after {timeout:.0f} s{self._tail()}")

    def _tail(self) -> str:
        if not self.log or not self.log.exists():
            return ""
        lines = self.log.read_text(errors="replace").splitlines()[-30:]
        return f"; last lines of {self.log}:\n" + "\n".join(lines)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# --------------------------------------------------------------------------- database


def prepare_database(home: Path, pagila_dir: Path) -> str:
    """Start the embedded server (held until this process exits) and make sure the `bench`
    database holds the official Pagila; return its SQLAlchemy URL."""
    import psycopg
    from sqlalchemy import make_url

    from assistant.db import start_embedded_server

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # pgserver's platformdirs

    url = start_embedded_server(home, database="bench")
    dsn = libpq_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        films = -1
        if conn.execute("SELECT to_regclass('public.film')").fetchone()[0] is not None:
            films = conn.execute("SELECT count(*) FROM film").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    if films == PAGILA_FILMS:
        print(f"Pagila already loaded in {home}/ (database bench)", flush=True)
        return url
    if tables:  # a half-finished load, or something else: start over
        print(f"database bench in {home}/ is not the official Pagila: recreating it", flush=True)
        admin = libpq_dsn(make_url(url).set(database="postgres").render_as_string(False))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE bench WITH (FORCE)")
            conn.execute("CREATE DATABASE bench")
    if not (pagila_dir / "pagila-schema.sql").exists():
        raise BenchError(f"official Pagila files not found in {pagila_dir} (set PAGILA_DIR)")
    from assistant.migrate import load_pagila

    print(f"loading the official Pagila from {pagila_dir} ...", flush=True)
    started = time.perf_counter()
    load_pagila(url, pagila_dir)
    print(f"loaded in {time.perf_counter() - started:.1f} s", flush=True)
    return url


def libpq_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


# --------------------------------------------------------------------------- the run


def check(server: Server, path: str) -> object:
    """One request before measuring: it must answer 200 with JSON."""
    status, body = get(server.port, path)
    if status != 200:
        raise BenchError(f"{server.name} GET {path} -> {status}: {body[:300]!r}")
    return json.loads(body)


class SessionCounter:
    """PostgreSQL's count of sessions opened in the bench database (pg_stat_database.sessions):
    a pool that closes and reopens connections under load shows up here."""

    def __init__(self, dsn: str):
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)

    def __call__(self) -> int:
        query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        return self.conn.execute(query).fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def measure(
    server: Server,
    path: str,
    concurrency: int,
    args: argparse.Namespace,
    sessions: SessionCounter | None = None,
) -> Result:
    warm = run_wrk(server.url(path), concurrency, args.warmup) if args.warmup > 0 else None
    before = sessions() if sessions else None
    result = run_wrk(server.url(path), concurrency, args.duration)
    if sessions:
        time.sleep(0.6)  # backends report their statistics at most once a second or so
        result.connects = sessions() - before
    if warm and warm.errors:  # count the warm-up's failures too
        result.non_2xx += warm.non_2xx
        for kind, n in warm.socket_errors.items():
            result.socket_errors[kind] = result.socket_errors.get(kind, 0) + n
    status = f"p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms  {result.rps:,.0f} req/s"
    if result.connects:
        status += f"  ({result.connects} new db connections)"
    if result.errors:
        status += f"  ERRORS: non-2xx {result.non_2xx}, socket {result.socket_errors}"
    print(f"  {server.name:<6} c={concurrency:<3} {path:<40} {status}", flush=True)
    return result


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def report(
    args: argparse.Namespace,
    cases: list[Case],
    ours: dict[tuple[str, int], Result],
    floor: dict[tuple[str, int], Result],
    logged: Result | None,
    shape_notes: list[str],
) -> tuple[str, list[str]]:
    lines = [
        "# REST API benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}, "
        f"{os.cpu_count()} CPUs (load average {args.load_before:.2f} before the run), "
        f"Python {platform.python_version()}, wrk -t1 with --latency, "
        f"{args.duration:g} s per run after a {args.warmup:g} s warm-up. "
        "Official Pagila on an embedded PostgreSQL on the same machine. "
        "Our server ran with LOG_LEVEL=WARNING (no per-request log line); the floor is "
        "tests/bench/floor_app.py (Starlette + psycopg pool, same SQL, same JSON), run at "
        f"concurrency {', '.join(map(str, args.floor_concurrency))}. "
        "Both on uvicorn, one worker, uvloop + httptools, no access log.",
        "",
        "| case | concurrency | p50 ms | p99 ms | req/s | floor req/s | share % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in cases:
        for c in args.concurrency:
            r = ours[case.name, c]
            f = floor.get((case.name, c))
            share = f"{100 * r.rps / f.rps:.0f}" if f else ""
            lines.append(
                f"| {case.name} (`{case.path}`) | {c} | {fmt(r.p50_ms)} | {fmt(r.p99_ms)} "
                f"| {fmt(r.rps, 0)} | {fmt(f.rps, 0) if f else ''} | {share} |"
            )
    if floor:
        lines += ["", "The floor's own numbers:", "",
                  "| case | concurrency | p50 ms | p99 ms | req/s |",
                  "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
        for case in cases:
            for c in args.concurrency:
                if f := floor.get((case.name, c)):
                    lines.append(
                        f"| {case.name} (floor) | {c} | {fmt(f.p50_ms)} | {fmt(f.p99_ms)} "
                        f"| {fmt(f.rps, 0)} |"
                    )
    if logged:
        base = ours.get((LOGGING_CASE, FLOOR_CONCURRENCY))
        lines += ["", "Request logging overhead (LOG_LEVEL=INFO, LOG_FORMAT=json, output to "
                  f"/dev/null), {LOGGING_CASE}, concurrency {FLOOR_CONCURRENCY}: "
                  f"p50 {fmt(logged.p50_ms)} ms, p99 {fmt(logged.p99_ms)} ms, "
                  f"{fmt(logged.rps, 0)} req/s"
                  + (f" ({100 * (logged.rps / base.rps - 1):+.0f}% vs the WARNING run just "
                     "before it; run-to-run noise on a shared machine is several %)"
                     if base else "")
                  + "."]  # fmt: skip
    churn = [
        f"{who} {name} c={c}: {r.connects}"
        for who, results in (("ours", ours), ("floor", floor))
        for (name, c), r in results.items()
        if r.connects
    ]
    notes = list(shape_notes)
    if churn:
        notes.append(
            "database connections opened during measured runs (a pool that closes and "
            "reopens connections under load; each reconnect also loses the prepared "
            "statements): " + "; ".join(churn)
        )
    lines += ["", *[f"Note: {note}" for note in notes]] if notes else []

    verdicts = []
    for case in cases:
        if (r := ours.get((case.name, 1))) is not None:
            ok = r.p50_ms < P50_TARGET_MS
            verdicts.append(f"{'PASS' if ok else 'MISS'}  {case.name}: p50 at concurrency 1 "
                            f"{fmt(r.p50_ms)} ms (target < {P50_TARGET_MS:g} ms)")  # fmt: skip
    for case in cases:
        key = (case.name, FLOOR_CONCURRENCY)
        if key in floor and key in ours:
            share = 100 * ours[key].rps / floor[key].rps
            ok = share >= FLOOR_SHARE_TARGET
            verdicts.append(f"{'PASS' if ok else 'MISS'}  {case.name}: {share:.0f}% of the "
                            f"floor's req/s at concurrency {FLOOR_CONCURRENCY} "
                            f"(target >= {FLOOR_SHARE_TARGET:g}%)")  # fmt: skip
    lines += ["", "Targets:", "", *[f"- {v}" for v in verdicts]]
    return "\n".join(lines) + "\n", verdicts


def git_commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


def ask(server: Server, question: str) -> tuple[float, str]:
    """One chat turn through POST /api/v1/ai/handoff: (milliseconds, the agent that answered).
    A non-200 or an empty answer fails the bench."""
    started = time.perf_counter()
    status, body = post_json(server.port, "/api/v1/ai/handoff", {"question": question})
    ms = 1000 * (time.perf_counter() - started)
    if status != 200:
        raise BenchError(f"{server.name} handoff {question!r} -> {status}: {body[:300]!r}")
    answer = json.loads(body)
    if not answer["answer"].strip():
        raise BenchError(f"{server.name} handoff {question!r}: empty answer")
    return ms, answer["agent"]


def measure_chat(server: Server) -> ChatResult:
    """Every question once to warm up, then CHAT_ROUNDS rounds of them, one turn at a time."""
    if (mode := check(server, "/health")["llm_mode"]) != "offline":
        raise BenchError(f"{server.name} runs LLM_MODE={mode}, not the offline model")
    questions = [(kind, q) for kind, qs in CHAT_QUESTIONS.items() for q in qs]
    print(f"chat: {len(questions)} questions x {CHAT_ROUNDS} rounds through "
          "POST /api/v1/ai/handoff ...", flush=True)  # fmt: skip
    result = ChatResult(first_ms=ask(server, questions[0][1])[0])
    for _, question in questions[1:]:
        ask(server, question)
    for _ in range(CHAT_ROUNDS):
        for kind, question in questions:
            ms, agent = ask(server, question)
            result.ms.setdefault(kind, []).append(ms)
            if agent != expected_agent(kind):
                result.wrong[question] = agent
    for kind, values in result.ms.items():
        print(f"  {kind:<13} p50 {percentile(values, 50):7.2f} ms  "
              f"p95 {percentile(values, 95):7.2f} ms", flush=True)  # fmt: skip
    for question, agent in result.wrong.items():
        print(f"  WRONG AGENT: {question!r} answered by {agent}", flush=True)
    return result


def chat_section(chat: ChatResult) -> tuple[str, str]:
    """The chat turns' section of the report, and its target's verdict."""
    every = [ms for values in chat.ms.values() for ms in values]
    p50 = percentile(every, 50)
    verdict = (f"{'PASS' if p50 <= CHAT_P50_TARGET_MS else 'MISS'}  chat turns: overall p50 "
               f"{fmt(p50)} ms (target <= {CHAT_P50_TARGET_MS:g} ms)")  # fmt: skip
    lines = [
        "## Chat turns through POST /api/v1/ai/handoff (offline model)",
        "",
        "Our server above (LLM_MODE=offline), one turn at a time over http.client, a new "
        "connection per turn. After a warm-up round (the first turn, which loads the store's "
        f"vocabulary, took {fmt(chat.first_ms, 0)} ms), each question {CHAT_ROUNDS} times; "
        "nearest-rank percentiles of the whole request.",
        "",
        "| kind | questions | p50 ms | p95 ms | agent |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for kind, questions in CHAT_QUESTIONS.items():
        values = chat.ms[kind]
        wrong = [f"WRONG: {q!r} by {chat.wrong[q]}" for q in questions if q in chat.wrong]
        lines.append(
            f"| {kind} | {'; '.join(questions)} | {fmt(percentile(values, 50))} "
            f"| {fmt(percentile(values, 95))} | {'; '.join(wrong) or expected_agent(kind)} |"
        )
    agents = f"{len(chat.wrong)} wrong" if chat.wrong else "all as expected"
    lines += [
        f"| **overall** | {sum(map(len, CHAT_QUESTIONS.values()))} questions, {len(every)} "
        f"turns | **{fmt(p50)}** | {fmt(percentile(every, 95))} | {agents} |",
        "",
        "Target:",
        "",
        f"- {verdict}",
    ]
    return "\n".join(lines) + "\n", verdict


def play_conversation(url: str) -> tuple[str, bool]:
    """The chat conversation's section of the report, and whether it played as scripted."""
    from conversation import section

    print("chat: playing the scripted conversation (condensed history, then as before) ...",
          flush=True)
    try:
        markdown, verdict, clean = section(url)
    except Exception as error:  # keep the REST results; report the failure
        return f"## The cost of a chat turn\n\nThe conversation failed: {error!r}\n", False
    print(f"  {verdict}", flush=True)
    return markdown, clean


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default_pagila = os.environ.get("PAGILA_DIR") or str(ROOT.parent / "shared" / "pagila")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=int, default=10, help="seconds per measured run (10)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run (2; 0: none)")
    p.add_argument("--concurrency", type=lambda s: [int(c) for c in s.split(",")],
                   default=[1, FLOOR_CONCURRENCY], help="comma-separated (1,16)")  # fmt: skip
    p.add_argument(
        "--case",
        action="append",
        metavar="NAME",
        help="run only the cases whose name contains NAME (repeatable)",
    )
    p.add_argument(
        "--floor-concurrency",
        type=lambda s: [int(c) for c in s.split(",")],
        default=[FLOOR_CONCURRENCY],
        help="concurrencies at which the floor runs too (16; '1,16' adds its c=1 latency)",
    )
    p.add_argument("--no-floor", action="store_true", help="skip the floor app")
    p.add_argument("--no-logging", action="store_true", help="skip the INFO-logging run")
    p.add_argument("--no-chat", action="store_true",
                   help="skip the chat turns through POST /api/v1/ai/handoff")
    p.add_argument("--no-conversation", action="store_true",
                   help="skip the scripted chat conversation")
    p.add_argument(
        "--home",
        type=Path,
        default=ROOT / ".pagila-bench",
        help="where the embedded PostgreSQL keeps its data (.pagila-bench)",
    )
    p.add_argument(
        "--pagila-dir",
        type=Path,
        default=Path(default_pagila),
        help="folder of the official Pagila .sql files (PAGILA_DIR, ../shared/pagila)",
    )
    p.add_argument("--output", type=Path,
                   help="the report (artifacts/bench.md; with --scale, artifacts/bench-scale.md)")
    p.add_argument("--scale", type=int, metavar="N",
                   help="compare the demo store at x1 and xN instead (tests/bench/scale.py)")
    p.add_argument("--rounds", type=int, default=10,
                   help="with --scale: measured rounds of the chat questions (10)")
    args = p.parse_args(argv)
    report = "bench-scale.md" if args.scale else "bench.md"
    args.output = args.output or ROOT / "artifacts" / report
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.load_before = os.getloadavg()[0]
    if args.load_before > 0.5:
        print(
            f"note: load average {args.load_before:.2f}: other work on this machine will "
            "show up in the numbers",
            flush=True,
        )
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install wrk", file=sys.stderr)
        return 2
    cases = [c for c in CASES if not args.case or any(n.lower() in c.name for n in args.case)]
    if not cases and not args.scale:  # the scale mode has its own reads (scale.py)
        print(f"no case matches {args.case}", file=sys.stderr)
        return 2

    # SIGTERM (and SIGHUP) unwind like Ctrl-C, so the finally below stops every subprocess.
    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    from assistant.logging import configure_logging

    configure_logging("WARNING")
    logs = args.output.parent
    logs.mkdir(parents=True, exist_ok=True)
    if args.scale:
        from scale import run_scale

        return run_scale(args)
    servers: list[Server] = []
    sessions = None
    try:
        url = prepare_database(args.home, args.pagila_dir)
        started = time.monotonic()
        sessions = SessionCounter(libpq_dsn(url))
        serve = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port"]
        uvicorn = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "tests" / "bench"),
                   "floor_app:app", "--host", "127.0.0.1", "--workers", "1", "--no-access-log",
                   "--log-level", "warning", "--port"]  # fmt: skip
        ours = Server(
            "ours",
            [*serve, str(free_port())],
            {"PAGILA_DSN": url, "LOG_LEVEL": "WARNING", "LLM_MODE": "offline",
             "CHAINLIT_AUTH_SECRET": BENCH_AUTH_SECRET},
            logs / "bench-ours.log",
        )
        servers.append(ours)
        ours.wait_healthy()  # first alone: its start-up migrates the database
        logged_server = floor_server = None
        if not args.no_floor and any(c.floor for c in cases):
            floor_server = Server(
                "floor",
                [*uvicorn, str(free_port())],
                {"FLOOR_DSN": libpq_dsn(url)},
                logs / "bench-floor.log",
            )
            servers.append(floor_server)
        if not args.no_logging and any(c.name == LOGGING_CASE for c in cases):
            logged_server = Server(
                "info",
                [*serve, str(free_port())],
                {"PAGILA_DSN": url, "LOG_LEVEL": "INFO", "LOG_FORMAT": "json",
                 "CHAINLIT_AUTH_SECRET": BENCH_AUTH_SECRET},
                None,
            )  # its log lines (stderr and stdout) go to /dev/null
            servers.append(logged_server)
        for server in servers:
            server.wait_healthy()
        up = ", ".join(f"{s.name} :{s.port}" for s in servers)
        print(f"servers up in {time.monotonic() - started:.0f} s: {up}", flush=True)

        ours_results: dict[tuple[str, int], Result] = {}
        floor_results: dict[tuple[str, int], Result] = {}
        shape_notes: list[str] = []
        logged = None

        def measure_logged(path: str) -> Result:
            check(logged_server, path)
            return measure(logged_server, path, FLOOR_CONCURRENCY, args)

        for case in cases:
            body = check(ours, case.path)
            use_floor = floor_server is not None and case.floor
            if use_floor and check(floor_server, case.path) != body:
                shape_notes.append(f"the floor's JSON for {case.path} differs from ours")
                print(f"WARNING: {shape_notes[-1]}", flush=True)
            for c in args.concurrency:
                ours_results[case.name, c] = measure(ours, case.path, c, args, sessions)
                if logged_server and case.name == LOGGING_CASE and c == FLOOR_CONCURRENCY:
                    logged = measure_logged(case.path)  # right after the same run at WARNING
                if use_floor and c in args.floor_concurrency:
                    floor_results[case.name, c] = measure(
                        floor_server, case.path, c, args, sessions
                    )
        if logged_server and logged is None:
            logged = measure_logged(next(c.path for c in cases if c.name == LOGGING_CASE))
        chat = None if args.no_chat else measure_chat(ours)
        conversation = None if args.no_conversation else play_conversation(url)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()
        if sessions:
            sessions.close()

    markdown, _ = report(args, cases, ours_results, floor_results, logged, shape_notes)
    if chat:
        markdown += "\n" + chat_section(chat)[0]
    if conversation:
        markdown += "\n" + conversation[0]
    args.output.write_text(markdown)
    print()
    print(markdown)
    print(f"(written to {args.output})")
    failed = [(name, c, r) for (name, c), r in
              [*ours_results.items(), *floor_results.items()] if r.errors]  # fmt: skip
    if logged and logged.errors:
        failed.append((LOGGING_CASE + " (INFO logging)", FLOOR_CONCURRENCY, logged))
    for name, c, r in failed:
        print(f"ERROR: {name} c={c}: {r.non_2xx} non-2xx responses, socket errors "
              f"{r.socket_errors}", file=sys.stderr)  # fmt: skip
    if conversation and not conversation[1]:
        print("ERROR: the chat conversation did not play as scripted (see its notes)",
              file=sys.stderr)
    return 1 if failed or (conversation and not conversation[1]) else 0


if __name__ == "__main__":
    sys.modules.setdefault("run", sys.modules["__main__"])  # scale.py's `from run import` gets
    sys.exit(main())  # this module, not a second copy (with a second BenchError)
