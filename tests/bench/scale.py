"""`make bench SCALE=100` (run.py --scale 100): the reads of issue 11 on the demo store at x1 and
at xN, side by side.

1. builds the demo store at each scale once, each in its own embedded PostgreSQL home
   (.pagila-bench/scale-1, .pagila-bench/scale-N; database `demo`), with
   `pagila-assistant db demo --scale N`; it times that and measures the home's size on disk and
   its write-ahead log (pgdata/pg_wal), and keeps them in the home's build.json. A home whose
   `film` already holds 1000 x N rows is reused, with the figures recorded when it was built;
2. starts our server (LLM_MODE=offline) on each store;
3. measures each REST read with wrk at concurrency 1 (p50, p95) and the film list's requests/s
   at concurrency 16; x1 and xN back to back, read by read, so that other work on the machine
   weighs on both alike;
4. times chat turns through POST /api/v1/ai/handoff per kind of question, the questions made
   from each store's own data (names, titles and ids read by SQL): a warm-up turn each, then
   --rounds rounds, x1 and xN alternating turn by turn;
5. prints a markdown table, x1 and xN p50/p95, their ratio and the issue's targets with
   PASS/MISS per row (also written to artifacts/bench-scale.md).

Exit status: 0 unless a request failed or the harness did; missed targets are reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from run import (
    BENCH_AUTH_SECRET,
    ROOT,
    BenchError,
    Server,
    ask,
    check,
    expected_agent,
    fmt,
    free_port,
    git_commit,
    libpq_dsn,
    parse_wrk,
    percentile,
)

DEMO_FILMS = 1000  # films per unit of scale (data/demo.py FILMS)
DATABASE = "demo"

# The targets at xN.
REST_P50_TARGET_MS = 5.0
CHAT_P95_TARGET_MS = 100.0
MAX_RATIO = 2.0  # each figure at most twice its x1 value
DEMO_TARGET_S = 60.0  # `db demo --scale 100`
WAL_TARGET_BYTES = 1 << 30  # "without a gigabyte of write-ahead log"
THROUGHPUT_CONCURRENCY = 16

# name -> path; {film_id} and the like come from the store (Picks).
REST_READS = {
    "title search": "/api/v1/films/search/title?q=an",
    "title search, three letters": "/api/v1/films/search/title?q=the",
    "title search, a word": "/api/v1/films/search/title?q=dinosaur",
    "film list by category": "/api/v1/films?category=Comedy",
    "film list": "/api/v1/films",
    "streaming films": "/api/v1/films/streaming/available",
    "film by id": "/api/v1/films/{film_id}",
    "customer's rentals": "/api/v1/customers/{customer_id}/rentals",
    "customer's balance": "/api/v1/customers/{customer_id}/balance",
    "customer's payments": "/api/v1/customers/{customer_id}/payments",
    "active rentals": "/api/v1/rentals/active",
    "rental by id": "/api/v1/rentals/{rental_id}",
}
THROUGHPUT_READ = "film list"

# wrk prints only the 50/75/90/99th percentiles: this script adds the 95th (microseconds).
P95_SCRIPT = 'done = function(s, latency, r) io.write(string.format("p95_us %d\\n", ' \
             "latency:percentile(95)))  end\n"


@dataclass(frozen=True)
class Picks:
    """What the questions and paths name, read from one store: a customer with an overdue
    rental (so their balance, payments and rentals are not empty), a film carried at store 2
    whose title no other film has, one of its actors, the commonest first name."""

    customer_id: int
    name: str
    email: str
    rental_id: int
    film_id: int
    title: str
    actor: str
    first_name: str


def chat_questions(p: Picks) -> dict[str, tuple[str, ...]]:
    return {
        "catalogue": ("comedies under $1", "R-rated horror under an hour and a half",
                      "the longest dramas from 2006", f"films with {p.actor}"),
        "film details": (f"tell me about {p.title}", f"who is in {p.title}?",
                         f"is {p.title} in stock at store 2?"),
        "customer": (f"find customer {p.email}", f"find customer {p.first_name}",
                     f"what is {p.name} renting?", f"customer {p.customer_id}"),
        "rentals": ("what's out at store 2?", f"rental {p.rental_id}"),
        "overdue": ("what's overdue?", f"is {p.name} late with anything?"),
        "money": (f"how much has {p.name} paid us?", f"what does {p.name} owe?",
                  f"late fee on rental {p.rental_id}?"),
        "statistics": ("which category rents most this year?", "revenue per store last month",
                       "how many copies do we have at store 1?",
                       "top 5 customers by revenue this year",
                       "how many rentals per category this year?"),
    }  # fmt: skip


@dataclass
class Store:
    scale: int
    home: Path
    url: str
    build: dict  # build.json: seconds, home_bytes, wal_bytes, built
    built_now: bool
    counts: dict[str, int] = field(default_factory=dict)
    picks: Picks | None = None
    server: Server | None = None


# --------------------------------------------------------------------------- the stores


def disk_bytes(path: Path) -> int:
    """Space taken on disk (as du counts it), not the files' apparent sizes."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # a WAL segment recycled meanwhile
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
    return total


def prepare_store(home: Path, scale: int) -> Store:
    """Start the embedded server in `home` (held until this process exits); build the demo
    store in its database `demo` unless it is already there at this scale."""
    import psycopg

    from assistant.db import start_embedded_server

    url = start_embedded_server(home, database=DATABASE)
    record = home / "build.json"
    films = -1
    with psycopg.connect(libpq_dsn(url), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.film')").fetchone()[0] is not None:
            films = conn.execute("SELECT count(*) FROM film").fetchone()[0]
    if films == DEMO_FILMS * scale and record.exists():
        print(f"x{scale}: demo store already built in {home}/ (database {DATABASE})", flush=True)
        from assistant.migrate import upgrade

        upgrade(url)  # built by an older version: its schema brought up to date
        return Store(scale, home, url, json.loads(record.read_text()), built_now=False)
    if films != -1:  # a half-finished build, or another scale: start over
        print(f"x{scale}: database {DATABASE} in {home}/ holds {films} films (not "
              f"{DEMO_FILMS * scale}) or has no build.json: recreating it", flush=True)  # fmt: skip
        admin = url.replace(f"/{DATABASE}?", "/postgres?", 1)
        with psycopg.connect(libpq_dsn(admin), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    print(f"x{scale}: pagila-assistant db demo --scale {scale} into {home}/ (minutes at x100) "
          "...", flush=True)  # fmt: skip
    command = [sys.executable, "-m", "assistant.cli", "db", "demo", "--scale", str(scale)]
    env = {**os.environ, "PAGILA_DSN": url, "CHAINLIT_AUTH_SECRET": BENCH_AUTH_SECRET}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"db demo --scale {scale} failed:\n{done.stdout}{done.stderr}")
    build = {"seconds": round(seconds, 1), "home_bytes": disk_bytes(home),
             "wal_bytes": disk_bytes(home / "pgdata" / "pg_wal"),
             "built": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}  # fmt: skip
    record.write_text(json.dumps(build, indent=2) + "\n")
    print(f"x{scale}: built in {seconds:.1f} s", flush=True)
    return Store(scale, home, url, build, built_now=True)


def refresh_if_due(store: Store) -> None:
    """The app recomputes the totals over all history once they are an hour old or far behind
    (a minute and more of one core at x100, assistant.totals): on a store built earlier, or
    just built (`db demo` leaves them to the app), that would fall in the middle of the
    measurements, so do it before the servers start."""
    from sqlalchemy import text

    from assistant.db import make_sync_engine
    from assistant.totals import REFRESH_DUE, REFRESH_EVERY, refresh_now

    engine = make_sync_engine(store.url)
    try:
        with engine.connect() as conn:  # due within half an hour
            due = conn.scalar(text(REFRESH_DUE), {"every": REFRESH_EVERY - 1800})
    finally:
        engine.dispose()
    if due:
        print(f"x{store.scale}: refreshing the totals (old or behind, the app would do it "
              "during the run) ...", flush=True)  # fmt: skip
        started = time.perf_counter()
        refresh_now(store.url)
        seconds = time.perf_counter() - started
        print(f"x{store.scale}: refreshed in {seconds:.1f} s", flush=True)
        if store.built_now:  # the totals the server computes in the background after a build
            store.build["totals_seconds"] = round(seconds, 1)
            (store.home / "build.json").write_text(json.dumps(store.build, indent=2) + "\n")


def read_store(store: Store) -> None:
    """The store's row counts and the names its questions use."""
    import psycopg

    with psycopg.connect(libpq_dsn(store.url), autocommit=True) as conn:
        for table in ("film", "customer", "inventory", "rental", "payment"):
            store.counts[table] = conn.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", (table,)
            ).fetchone()[0]  # the planner's estimate: exact after the load's ANALYZE
        store.counts["database bytes"] = conn.execute(
            "SELECT pg_database_size(current_database())").fetchone()[0]
        overdue = conn.execute("""
            SELECT c.customer_id, initcap(c.first_name || ' ' || c.last_name), c.email,
                   r.rental_id
            FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
                 JOIN customer c ON c.customer_id = r.customer_id
            WHERE r.return_date IS NULL
              AND r.rental_date + f.rental_duration * interval '1 day' < now()
            ORDER BY r.rental_id LIMIT 1""").fetchone()
        film = conn.execute("""
            SELECT f.film_id, f.title, initcap(a.first_name || ' ' || a.last_name)
            FROM film f JOIN film_actor fa USING (film_id) JOIN actor a USING (actor_id)
            WHERE EXISTS (SELECT 1 FROM inventory i
                          WHERE i.film_id = f.film_id AND i.store_id = 2)
              AND NOT EXISTS (SELECT 1 FROM film g
                              WHERE upper(g.title) = upper(f.title) AND g.film_id <> f.film_id)
            ORDER BY f.film_id, a.actor_id LIMIT 1""").fetchone()
        first_name = conn.execute("""
            SELECT lower(first_name) FROM customer GROUP BY 1 ORDER BY count(*) DESC, 1
            LIMIT 1""").fetchone()[0]
    if not (overdue and film):
        raise BenchError(f"x{store.scale}: no overdue rental or no film carried at store 2")
    store.picks = Picks(*overdue, *film, first_name)


# --------------------------------------------------------------------------- measuring


@dataclass
class Figures:
    """One row's figures at one scale: p50 and p95 in ms, or requests/s (p95 then None)."""

    p50: float
    p95: float | None = None


def wrk(server: Server, path: str, concurrency: int, seconds: int, script: Path):
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency",
               "--timeout", "5s", "-s", str(script), server.url(path)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    result = parse_wrk(done.stdout)
    if result.errors:
        raise BenchError(f"{server.name} GET {path}: non-2xx {result.non_2xx}, "
                         f"socket errors {result.socket_errors}")  # fmt: skip
    p95 = re.search(r"^p95_us (\d+)", done.stdout, re.MULTILINE)
    return result, int(p95[1]) / 1000 if p95 else float("nan")


def measure_rest(stores: list[Store], names: list[str], args: argparse.Namespace,
                 script: Path) -> dict[str, list[Figures]]:
    """Each read at every scale in turn, a warm-up run before each measured run."""
    rows: dict[str, list[Figures]] = {}
    for name in names:
        paths = [REST_READS[name].format(**vars(s.picks)) for s in stores]
        for store, path in zip(stores, paths, strict=True):
            check(store.server, path)
        concurrencies = [1] + [THROUGHPUT_CONCURRENCY] * (name == THROUGHPUT_READ)
        for c in concurrencies:
            label = name if c == 1 else f"{name} req/s at {c} connections"
            for store, path in zip(stores, paths, strict=True):
                if args.warmup > 0:
                    wrk(store.server, path, c, args.warmup, script)
                result, p95 = wrk(store.server, path, c, args.duration, script)
                figures = Figures(result.p50_ms, p95) if c == 1 else Figures(result.rps)
                rows.setdefault(label, []).append(figures)
                print(f"  x{store.scale:<4} c={c:<3} {path:<45} p50 {result.p50_ms:7.2f} ms  "
                      f"p95 {p95:7.2f} ms  {result.rps:8,.0f} req/s", flush=True)
    return rows


@dataclass
class Chat:
    rows: dict[str, list[Figures]]  # per kind, and every turn
    by_question: list[tuple[str, str, list[Figures]]]  # kind, question(s), figures per scale
    first_ms: list[float]  # per scale: the first turn, which loads the store's vocabulary
    wrong: list[str]  # questions answered by an unexpected agent


def measure_chat(stores: list[Store], rounds: int) -> Chat:
    questions = [chat_questions(s.picks) for s in stores]
    kinds = list(questions[0])
    total = sum(map(len, questions[0].values()))
    print(f"chat: {total} questions x {rounds} rounds at each scale through "
          "POST /api/v1/ai/handoff ...", flush=True)  # fmt: skip
    first, wrong = [], []
    for store, asked in zip(stores, questions, strict=True):
        if (mode := check(store.server, "/health")["llm_mode"]) != "offline":
            raise BenchError(f"x{store.scale} runs LLM_MODE={mode}, not the offline model")
        turns = [q for qs in asked.values() for q in qs]
        first.append(ask(store.server, turns[0])[0])
        for question in turns[1:]:
            ask(store.server, question)
    ms: dict[tuple[str, int, int], list[float]] = {}  # (kind, question, scale) -> turns
    for _ in range(rounds):
        for kind in kinds:
            for i in range(len(questions[0][kind])):
                for s, (store, asked) in enumerate(zip(stores, questions, strict=True)):
                    took, agent = ask(store.server, asked[kind][i])
                    ms.setdefault((kind, i, s), []).append(took)
                    if agent != expected_agent(kind):
                        wrong.append(f"x{store.scale} {asked[kind][i]!r} answered by {agent}")

    def figures(keep) -> list[Figures]:
        turns = [[t for (k, i, s), v in ms.items() if s == n and keep(k, i) for t in v]
                 for n in range(len(stores))]  # fmt: skip
        return [Figures(percentile(v, 50), percentile(v, 95)) for v in turns]

    rows = {f"chat: {kind}": figures(lambda k, i, kind=kind: k == kind) for kind in kinds}
    rows["chat: every turn"] = figures(lambda k, i: True)
    by_question = [
        (kind, " / ".join(dict.fromkeys(q[kind][i] for q in questions)),
         figures(lambda k, j, kind=kind, i=i: (k, j) == (kind, i)))
        for kind in kinds for i in range(len(questions[0][kind]))
    ]  # fmt: skip
    for label, (one, big) in rows.items():
        print(f"  {label:<26} x1 p50 {one.p50:7.2f} p95 {one.p95:7.2f}   "
              f"x{stores[1].scale} p50 {big.p50:7.2f} p95 {big.p95:7.2f} ms", flush=True)
    return Chat(rows, by_question, first, sorted(set(wrong)))


# --------------------------------------------------------------------------- the report


def verdict(label: str, one: Figures, big: Figures) -> tuple[str, str, str]:
    """(ratio cell, target cell, PASS/MISS cell) of one row."""
    if big.p95 is None:  # requests/s: fewer is worse
        ratio = one.p50 / big.p50
        cell = f"MISS: {ratio:.1f}x fewer" if ratio > MAX_RATIO else "PASS"
        return f"{ratio:.2f}", f"at least 1/{MAX_RATIO:g} of x1", cell
    ratios = (big.p50 / one.p50, big.p95 / one.p95)
    chat = label.startswith("chat")
    target = (f"p95 <= {CHAT_P95_TARGET_MS:g} ms" if chat else f"p50 <= {REST_P50_TARGET_MS:g} ms")
    misses = []
    if chat and big.p95 > CHAT_P95_TARGET_MS:
        misses.append(f"p95 {fmt(big.p95, 1)} ms")
    if not chat and big.p50 > REST_P50_TARGET_MS:
        misses.append(f"p50 {fmt(big.p50, 1)} ms")
    misses += [f"{what} {r:.1f}x" for what, r in zip(("p50", "p95"), ratios, strict=True)
               if r > MAX_RATIO]
    cell = "MISS: " + "; ".join(misses) if misses else "PASS"
    return f"{ratios[0]:.2f} / {ratios[1]:.2f}", f"{target}, <= {MAX_RATIO:g}x", cell


def mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def report(args: argparse.Namespace, stores: list[Store], rows: dict[str, list[Figures]],
           chat: Chat | None, load_after: float) -> tuple[str, int]:
    """The markdown report and its count of misses."""
    one, big = stores
    n = big.scale
    lines = [
        f"# Reads at x1 and x{n} (issue 11)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}, {os.cpu_count()} CPUs "
        f"(load average {args.load_before:.2f} before the run, {load_after:.2f} after). "
        f"The demo store (`db demo --scale 1` and `--scale {n}`) on an embedded PostgreSQL per "
        "scale, our server on each (LLM_MODE=offline, LOG_LEVEL=WARNING). REST reads: wrk -t1 "
        f"at concurrency 1, {args.duration} s per run after a {args.warmup} s warm-up, x1 and "
        f"x{n} back to back. Chat turns: POST /api/v1/ai/handoff one at a time, a new "
        f"connection per turn, after a warm-up turn per question; {args.rounds} rounds, x1 and "
        f"x{n} alternating; nearest-rank percentiles over every turn of the kind. "
        f"Ratio: x{n} / x1 (for requests/s, x1 / x{n}).",
        "",
        f"| read | x1 p50 | x1 p95 | x{n} p50 | x{n} p95 | ratio p50 / p95 | target at x{n} "
        "| |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    misses = 0
    for label, (a, b) in rows.items():
        ratio, target, cell = verdict(label, a, b)
        misses += cell != "PASS"
        if a.p95 is None:
            cells = f"{fmt(a.p50, 0)} req/s | | {fmt(b.p50, 0)} req/s | "
        else:
            cells = f"{fmt(a.p50)} ms | {fmt(a.p95)} ms | {fmt(b.p50)} ms | {fmt(b.p95)} ms"
        lines.append(f"| {label} | {cells} | {ratio} | {target} | {cell} |")

    lines += ["", "The stores:", "", "| | x1 | x" + str(n) + " |", "| --- | ---: | ---: |"]
    for table in ("film", "customer", "inventory", "rental", "payment"):
        lines.append(f"| {table} rows | {one.counts[table]:,} | {big.counts[table]:,} |")
    demo = [s.build["seconds"] for s in stores]
    wal = [s.build["wal_bytes"] for s in stores]
    lines += [
        f"| `db demo` time | {demo[0]:.1f} s | {demo[1]:.1f} s |",
        "| then the totals, computed by the server in the background (`db totals`) | "
        + " | ".join(f"{s.build['totals_seconds']:.1f} s" if "totals_seconds" in s.build
                     else "not timed (built earlier)" for s in stores) + " |",
        "| PAGILA_HOME on disk after the build | "
        + " | ".join(mib(s.build["home_bytes"]) for s in stores) + " |",
        "| of which write-ahead log (pgdata/pg_wal) | " + " | ".join(map(mib, wal)) + " |",
        "| PAGILA_HOME on disk now | "
        + " | ".join(mib(disk_bytes(s.home)) for s in stores) + " |",
        "| database size (pg_database_size) | "
        + " | ".join(mib(s.counts["database bytes"]) for s in stores) + " |",
        "| built | " + " | ".join(
            s.build["built"] + (" (this run)" if s.built_now else "") for s in stores) + " |",
    ]
    build_misses = []
    if n >= 100 and demo[1] > DEMO_TARGET_S:
        build_misses.append(f"`db demo --scale {n}` took {demo[1]:.0f} s (target < "
                            f"{DEMO_TARGET_S:g} s)")  # fmt: skip
    if wal[1] >= WAL_TARGET_BYTES:
        build_misses.append(f"x{n} left {mib(wal[1])} of write-ahead log (target: under 1 GiB)")
    misses += len(build_misses)
    lines += ["", *[f"MISS: {m}" for m in build_misses]] if build_misses else []

    if chat:
        lines += ["", "The chat turns question by question (names, titles and ids are each "
                  f"store's own: x1 / x{n} where they differ):", "",
                  f"| kind | question | x1 p50 | x1 p95 | x{n} p50 | x{n} p95 |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
        for kind, asked, (a, b) in chat.by_question:
            lines.append(f"| {kind} | {asked} | {fmt(a.p50)} | {fmt(a.p95)} | {fmt(b.p50)} "
                         f"| {fmt(b.p95)} |")  # fmt: skip
        lines += ["", "First chat turn (loads the store's vocabulary): "
                  + ", ".join(f"x{s.scale} {fmt(ms, 0)} ms"
                              for s, ms in zip(stores, chat.first_ms, strict=True)) + "."]
        if chat.wrong:
            lines += ["", "Answered by an unexpected agent:", "", *[f"- {w}" for w in chat.wrong]]
    return "\n".join(lines) + "\n", misses


# --------------------------------------------------------------------------- the run


def run_scale(args: argparse.Namespace) -> int:
    if args.scale < 2:
        print("--scale must be at least 2 (it is compared with x1)", file=sys.stderr)
        return 2
    names = [n for n in REST_READS if not args.case or any(c.lower() in n for c in args.case)]
    stores: list[Store] = []
    scratch = tempfile.TemporaryDirectory()
    script = Path(scratch.name) / "p95.lua"
    script.write_text(P95_SCRIPT)
    try:
        for scale in (1, args.scale):
            store = prepare_store(args.home / f"scale-{scale}", scale)
            refresh_if_due(store)
            read_store(store)
            stores.append(store)
        started = time.monotonic()
        serve = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port"]
        for store in stores:
            store.server = Server(
                f"x{store.scale}", [*serve, str(free_port())],
                {"PAGILA_DSN": store.url, "LOG_LEVEL": "WARNING", "LLM_MODE": "offline",
                 "CHAINLIT_AUTH_SECRET": BENCH_AUTH_SECRET},
                args.output.parent / f"bench-scale-{store.scale}.log",
            )  # fmt: skip
        for store in stores:
            store.server.wait_healthy()
        print(f"servers up in {time.monotonic() - started:.0f} s", flush=True)
        rows = measure_rest(stores, names, args, script)
        chat = None if args.no_chat else measure_chat(stores, args.rounds)
        if chat:
            rows.update(chat.rows)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for store in stores:
            if store.server:
                store.server.stop()
        scratch.cleanup()

    markdown, misses = report(args, stores, rows, chat, os.getloadavg()[0])
    args.output.write_text(markdown)
    print()
    print(markdown)
    print(f"({misses} missed; written to {args.output})")
    return 0
