"""How long requests wait behind the background work (issue 11): the server on the demo store at
xN answers REST reads and chat turns, one at a time, first with nothing else running, then
while `assistant.totals.refresh` (what the server's background task runs: every view
recomputed CONCURRENTLY, minutes of one core at x100) runs in another process, then while
the server rebuilds the offline model's vocabulary (a customer's row touched: the server
reads the names again within a minute, seconds of work at x100, in the server's own process).
It prints p50 / p95 / max of each phase and what each added to the idle phase.

Run alone after `make bench SCALE=100` has built the store (it builds it otherwise):
    python tests/bench/background.py [--scale 100]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from run import BENCH_AUTH_SECRET, ROOT, Server, ask, check, free_port, libpq_dsn, percentile
from scale import prepare_store

READS = ("/api/v1/films/search/title?q=an", "/api/v1/films?category=Comedy", "/api/v1/films",
         "/api/v1/rentals/active")
QUESTIONS = ("what's overdue?", "how many copies do we have at store 1?",
             "revenue per store last month", "comedies under $1")
REFRESH = ("import asyncio, sys; from assistant.db import Database; "
           "from assistant.totals import refresh; asyncio.run(refresh(Database(sys.argv[1])))")


REST, CHAT = "REST reads", "chat turns"
# A change of names the server's vocabulary notices (assistant.offline.lexicon.NAMES_VERSION).
TOUCH = """UPDATE customer SET last_update = now()
           WHERE customer_id = (SELECT min(customer_id) FROM customer)"""
VOCABULARY_SECONDS = 75  # StoreLexicon's max_age (60 s), the rebuild, and a margin


def one_round(server: Server) -> list[tuple[str, float, str]]:
    """Each read and question once: (REST or CHAT, milliseconds, what was asked)."""
    timed = []
    for path in READS:
        started = time.perf_counter()
        check(server, path)
        timed.append((REST, 1000 * (time.perf_counter() - started), path))
    for question in QUESTIONS:
        timed.append((CHAT, ask(server, question)[0], question))
    return timed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=int, default=100)
    p.add_argument("--home", type=Path, default=ROOT / ".pagila-bench")
    p.add_argument("--idle-seconds", type=float, default=30)
    args = p.parse_args()
    store = prepare_store(args.home / f"scale-{args.scale}", args.scale)
    server = Server(f"x{args.scale}", [sys.executable, "-m", "assistant.cli", "serve",
                                       "--host", "127.0.0.1", "--port", str(free_port())],
                    {"PAGILA_DSN": store.url, "LOG_LEVEL": "WARNING", "LLM_MODE": "offline",
                     "CHAINLIT_AUTH_SECRET": BENCH_AUTH_SECRET}, None)  # fmt: skip
    phases: dict[str, list[tuple[str, float, str]]] = {"idle": [], "refresh": [],
                                                        "vocabulary": []}
    try:
        server.wait_healthy()
        one_round(server)  # warm-up (the first turn waits for the store's vocabulary)
        until = time.monotonic() + args.idle_seconds
        while time.monotonic() < until:
            phases["idle"] += one_round(server)
        started = time.monotonic()
        refreshing = subprocess.Popen([sys.executable, "-c", REFRESH, store.url], cwd=ROOT)
        while refreshing.poll() is None:
            phases["refresh"] += one_round(server)
        took = time.monotonic() - started
        if refreshing.returncode != 0:
            print(f"the refresh failed ({refreshing.returncode})", file=sys.stderr)
            return 1
        with psycopg.connect(libpq_dsn(store.url), autocommit=True) as conn:
            conn.execute(TOUCH)
        until = time.monotonic() + VOCABULARY_SECONDS
        while time.monotonic() < until:
            phases["vocabulary"] += one_round(server)
    finally:
        server.stop()
    print(f"x{args.scale}: the refresh took {took:.0f} s; one request at a time, ms\n")
    print("| requests | phase | n | p50 | p95 | max |\n| --- | --- | ---: | ---: | ---: | ---: |")
    for kind in (REST, CHAT):
        figures = {}
        for phase, timed in phases.items():
            values = [ms for of, ms, _ in timed if of == kind]
            figures[phase] = (percentile(values, 50), percentile(values, 95), max(values))
            print(f"| {kind} | {phase} | {len(values)} | "
                  + " | ".join(f"{v:.1f}" for v in figures[phase]) + " |")
        for phase in ("refresh", "vocabulary"):
            added = (busy - idle for idle, busy in zip(figures["idle"], figures[phase],
                                                         strict=True))
            print(f"| {kind} | added by the {phase} | | "
                  + " | ".join(f"{v:.1f}" for v in added) + " |")
    print("\nThe slowest requests:")
    slowest = [(ms, phase, asked) for phase, timed in phases.items() for _, ms, asked in timed]
    for ms, phase, asked in sorted(slowest, reverse=True)[:8]:
        print(f"- {ms:.0f} ms ({phase}): {asked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
