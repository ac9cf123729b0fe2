"""The chat in-process: real Chainlit handlers, real agents, the offline model, real database."""

import json
import logging

import chainlit as cl
import pytest

from assistant import stats
from assistant.audit import MAX_WRONG_TOKENS
from tests.chat_harness import CANCEL, CONFIRM, TIMEOUT, ChatSession, token
from tests.conftest import ADMIN_TOKEN

WRONG = "not-the-token"


@pytest.fixture
async def chat(front_desk) -> ChatSession:
    return await ChatSession().start()


def open_rentals(sql, customer_id: int) -> int:
    return sql("SELECT count(*) FROM rental WHERE customer_id = :c AND return_date IS NULL",
               c=customer_id)[0][0]


def text_of(replies) -> str:
    return "\n".join(r["output"] for r in replies)


async def test_a_film_question_is_answered_from_the_database(chat, sql):
    replies = await chat.say("tell me about ALIEN CENTER")
    description = sql("SELECT description FROM film WHERE title = 'ALIEN CENTER'")[0][0]
    answer = text_of(replies)
    assert "ALIEN CENTER" in answer
    assert description.split()[1] in answer  # the description's words, from the database
    assert replies[-1]["name"] == "SearchAgent"
    tool_steps = chat.steps_of_type("tool")
    assert any("film_details" in s["name"] for s in tool_steps)


async def test_a_ranking_comes_as_a_table_and_a_chart_of_the_same_figures(chat, sql):
    replies = await chat.say("which category rents most in 2022?")
    top = sql("""SELECT c.name, count(*) FROM rental r JOIN inventory i USING (inventory_id)
                 JOIN film_category USING (film_id) JOIN category c USING (category_id)
                 WHERE r.rental_date >= '2022-01-01' AND r.rental_date < '2023-01-01'
                 GROUP BY c.name ORDER BY 2 DESC, 1 LIMIT 1""")[0]
    assert f"| {top[0]} | {top[1]:,} |" in text_of(replies)  # the table, from the database
    (chart,) = [e for e in chat.emitter.elements if e["type"] == "plotly"]
    stored = chat.session.files[chart["chainlitKey"]]["path"]  # what the browser fetches
    bars = json.loads(stored.read_text())["data"][0]
    assert bars["y"][-1] == top[0] and bars["x"][-1] == top[1]  # the best at the top
    assert chart["display"] == "inline" and chart["forId"] == replies[-1]["id"]


async def test_a_function_that_fails_unexpectedly_is_said_plainly(chat, monkeypatch, caplog):
    async def broken(conn):
        raise RuntimeError("relation \"secret_table\" does not exist: SELECT card FROM x")

    monkeypatch.setattr(stats, "store_counts", broken)
    replies = await chat.say("how many copies at store 1?")
    shown = chat.everything_shown()
    assert "could not answer that" in text_of(replies) and "Nothing was changed" in shown
    assert "secret_table" not in shown and "SELECT" not in shown


async def test_answers_stream_token_by_token(chat):
    await chat.say("comedies under $1")
    assert len(chat.emitter.tokens) > 5


async def test_renting_with_confirm_and_the_token_makes_one_rental(chat, sql, free_film):
    film_id, title = free_film
    before = open_rentals(sql, 1)
    replies = await chat.say(f"rent {title} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    assert [a["type"] for a in chat.emitter.asks] == ["action", "element"]
    preview = chat.emitter.asks[0]["content"]
    assert title in preview and "MARY SMITH" in preview and "store 1" in preview
    assert open_rentals(sql, 1) == before + 1
    rental_id = sql("SELECT max(rental_id) FROM rental WHERE customer_id = 1")[0][0]
    assert sql("SELECT i.film_id FROM rental r JOIN inventory i USING (inventory_id) "
               "WHERE rental_id = :r", r=rental_id) == [(film_id,)]
    assert str(rental_id) in text_of(replies)


@pytest.mark.parametrize(
    ("answers", "said"),
    [((CANCEL,), "cancel"), ((CONFIRM, token(WRONG)), "wrong"), ((TIMEOUT,), "not")],
    ids=["cancel", "wrong-token", "timeout"],
)
async def test_cancel_wrong_token_or_timeout_rent_nothing(chat, sql, free_film, answers, said,
                                                        lockout_cleared):
    before = open_rentals(sql, 1)
    replies = await chat.say(f"rent {free_film[1]} to Mary Smith", *answers)
    assert open_rentals(sql, 1) == before
    answer = text_of(replies).lower()
    assert said in answer and "rented" not in answer.replace("not rented", "")


async def test_return_reports_days_late_and_the_fee(chat, sql):
    rental_id = sql("SELECT max(rental_id) FROM rental WHERE return_date IS NULL "
                    "AND rental_date < now() - interval '30 days'")[0][0]
    replies = await chat.say(f"return rental {rental_id}", CONFIRM, token(ADMIN_TOKEN))
    assert "late" in chat.emitter.asks[0]["content"]
    assert sql("SELECT return_date IS NOT NULL FROM rental WHERE rental_id = :r",
               r=rental_id) == [(True,)]
    answer = text_of(replies)
    replacement = sql("SELECT f.replacement_cost FROM rental r JOIN inventory i USING "
                      "(inventory_id) JOIN film f USING (film_id) WHERE rental_id = :r",
                      r=rental_id)[0][0]
    assert f"${replacement}" in answer  # kept over twice the duration: the replacement cost
    assert "replacement cost" in answer and "replacement cost" in chat.emitter.asks[0]["content"]


async def test_a_follow_up_resolves_it(chat, sql):
    await chat.say("tell me about ACADEMY DINOSAUR")
    replies = await chat.say("is it in stock at store 2?")
    answer = text_of(replies)
    assert "ACADEMY DINOSAUR" in answer and "2" in answer
    assert chat.steps_of_type("tool")[-1]["name"].endswith("film_availability")


async def test_a_general_question_goes_to_the_llm_agent(chat):
    replies = await chat.say("who won the 2022 World Cup?")
    assert replies[-1]["name"] == "LLMAgent"
    assert "Handoff" not in " ".join(s["name"] for s in chat.steps_of_type("tool"))


async def test_the_token_is_never_shown_logged_or_given_to_the_model(chat, sql, free_film, capfd,
                                                                     caplog):
    caplog.set_level(logging.DEBUG)
    await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    await chat.say(f"my token is {ADMIN_TOKEN[:4]}... anyway, what's overdue?")
    out, err = capfd.readouterr()
    assert ADMIN_TOKEN not in out + err + caplog.text
    assert ADMIN_TOKEN not in chat.everything_shown()
    history = cl.user_session.get("history")
    assert all(ADMIN_TOKEN not in str(m) for m in history)


async def test_five_wrong_tokens_lock_writes(chat, sql, free_film, lockout_cleared):
    before = open_rentals(sql, 1)
    for _ in range(MAX_WRONG_TOKENS):
        await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(WRONG))
    asked = len(chat.emitter.asks)
    replies = await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    assert len(chat.emitter.asks) == asked  # locked: not even asked
    assert "locked" in text_of(replies).lower()
    assert open_rentals(sql, 1) == before
