"""The chat in-process: real Chainlit handlers, real agents, the offline model, real database."""

import json
import logging
from datetime import date
from decimal import Decimal

import chainlit as cl
import pytest

from assistant import chat_ui, stats
from assistant.audit import MAX_WRONG_TOKENS
from assistant.steps import NAME_LENGTH, argument_words, reading, step_name
from plugins.results import (
    Ambiguous,
    CustomerBrief,
    CustomerRentals,
    Failure,
    RentalBrief,
    RentalList,
    Returned,
)
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
    film_id = sql("SELECT film_id FROM film WHERE title = 'ALIEN CENTER'")[0][0]
    (step,) = chat.steps_of_type("tool")
    assert step["name"] == f"Read up on a film: ALIEN CENTER (film {film_id})"
    assert f"- description: {description[:40]}" in step["output"]


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
    async def broken(conn, store_id=None):
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
    assert [a["author"] for a in chat.emitter.asks] == ["SearchAgent", "SearchAgent"]
    assert chat.shown_now(chat.emitter.asks[0]["id"])["output"].endswith("**Confirmed**")
    assert open_rentals(sql, 1) == before + 1
    rental_id = sql("SELECT max(rental_id) FROM rental WHERE customer_id = 1")[0][0]
    assert sql("SELECT i.film_id FROM rental r JOIN inventory i USING (inventory_id) "
               "WHERE rental_id = :r", r=rental_id) == [(film_id,)]
    assert str(rental_id) in text_of(replies)


@pytest.mark.parametrize(
    ("answers", "said", "preview_reads"),
    [((CANCEL,), "cancel", "**Cancelled**"),
     ((CONFIRM, token(WRONG)), "wrong", "**Refused: wrong admin token**"),
     ((TIMEOUT,), "not", "**Not answered in time**")],
    ids=["cancel", "wrong-token", "timeout"],
)
async def test_cancel_wrong_token_or_timeout_rent_nothing(chat, sql, free_film, answers, said,
                                                        preview_reads, lockout_cleared):
    before = open_rentals(sql, 1)
    replies = await chat.say(f"rent {free_film[1]} to Mary Smith", *answers)
    assert open_rentals(sql, 1) == before
    answer = text_of(replies).lower()
    assert said in answer and "rented" not in answer.replace("not rented", "")
    # The preview says what came of it, only once known: never "Confirmed" before the token.
    preview = chat.shown_now(chat.emitter.asks[0]["id"])["output"]
    assert preview.endswith(preview_reads) and "Confirmed" not in preview


async def test_the_token_prompt_leaves_once_answered(chat, free_film, lockout_cleared):
    await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(WRONG))
    prompt = chat.emitter.asks[1]
    assert prompt["type"] == "element" and chat.shown_now(prompt["id"]) is None
    assert [r["id"] for r in chat.emitter.removed] == [prompt["id"]]
    shown = "\n".join(s["output"] for s in chat.emitter.steps.values())
    assert "checking it" not in shown and "Enter the admin token" not in shown


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
    assert chat.steps_of_type("tool")[-1]["name"] == \
        "Checked the stock: ACADEMY DINOSAUR (film 1), store 2"


async def test_a_general_question_goes_to_the_llm_agent(chat):
    replies = await chat.say("who won the 2022 World Cup?")
    assert replies[-1]["name"] == "LLMAgent"
    assert replies[-1]["output"].startswith("**LLMAgent**\n\n")  # the name, written out
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
    last_preview = chat.shown_now(chat.emitter.asks[-2]["id"])["output"]
    assert "**Refused: wrong admin token** Writes are now locked for 5 minutes." in last_preview
    replies = await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    assert len(chat.emitter.asks) == asked  # locked: not even asked
    assert "locked" in text_of(replies).lower()
    assert open_rentals(sql, 1) == before


# --- how the chat looks: steps in words, the agent's name, starters ------------------------


async def test_a_step_is_named_in_words_and_shows_a_short_table(chat, sql):
    await chat.say("comedies under $1")
    (step,) = chat.steps_of_type("tool")
    assert step["name"] == "Searched the catalogue: Comedy films renting for at most $0.99"
    total = sql("""SELECT count(*) FROM film JOIN film_category USING (film_id)
                   JOIN category c USING (category_id)
                   WHERE c.name = 'Comedy' AND rental_rate <= 0.99""")[0][0]
    first = sql("""SELECT title FROM film JOIN film_category USING (film_id)
                   JOIN category c USING (category_id)
                   WHERE c.name = 'Comedy' AND rental_rate <= 0.99 ORDER BY title LIMIT 1""")
    output = step["output"]
    assert "| film id | title |" in output and f"| {first[0][0]} |" in output
    assert output.count("\n| ") == 1 + 5  # the header and the first five rows
    assert output.endswith(f"… and {total - 5} more")
    assert step["language"] is None and not output.lstrip().startswith("{")  # not JSON
    assert "Films-" not in step["name"] and step["showInput"] is False
    assert step["metadata"]["icon"] == "database"  # where an avatar would be a grey blank


async def test_a_failure_step_reads_as_its_sentence(chat, sql):
    missing = sql("SELECT max(rental_id) + 1000 FROM rental")[0][0]
    await chat.say(f"rental {missing}")
    (step,) = chat.steps_of_type("tool")
    assert step["name"] == f"Looked up a rental: rental {missing}"
    assert step["output"] == f"Rental with ID {missing} not found"


async def test_every_reply_shows_its_agent_by_name(chat):
    replies = await chat.say("what's overdue?")
    assert replies and all(r["name"] == "SearchAgent" for r in replies)
    assert all(r["output"].startswith("**SearchAgent**\n\n") for r in replies)


def test_arguments_are_said_in_words():
    assert argument_words("max_rental_rate", 0.99, None) == "rental rate up to $0.99"
    assert argument_words("min_length", 60, None) == "length from 60"
    assert argument_words("open_only", True, None) == "open only"
    assert argument_words("store_id", 2, None) == "store 2"
    assert argument_words("per", "month", None) == "per month"
    assert argument_words("ratings", ["PG", "R"], None) == "PG/R"


def _rental(**changes) -> RentalBrief:
    fields = dict(rental_id=7, film_id=3, title="ADAPTATION HOLES", customer_id=5,
                  customer="ELIZABETH BROWN", store_id=1, inventory_id=11,
                  rented=date(2022, 5, 1), due=date(2022, 5, 8), days_overdue=0)
    return RentalBrief(**fields | changes)


def test_a_step_reads_any_result_shape():
    customer = CustomerBrief(customer_id=5, name="ELIZABETH BROWN", store_id=1, active=True)
    rentals = CustomerRentals(customer=customer, open_only=True, period="all time", total=1,
                              rentals=[_rental()])
    assert step_name("customer_rentals", {"customer_id": 5, "open_only": True}, rentals) == \
        "Listed a customer's rentals: ELIZABETH BROWN (customer 5), open only"
    read = reading(rentals)
    assert "- customer: ELIZABETH BROWN (customer 5)" in read and "- open only: yes" in read
    assert "| rental id | title | customer | rented | due | days overdue |" in read
    assert "| 7 | ADAPTATION HOLES | ELIZABETH BROWN | 2022-05-01 | 2022-05-08 | 0 |" in read

    page = RentalList(total=40, rentals=[_rental(rental_id=i) for i in range(10)])
    assert reading(page).endswith("… and 35 more")  # of all 40, not of the page
    assert reading(Failure(error="No customer matches 'zz'.")) == "No customer matches 'zz'."
    which = Ambiguous[CustomerBrief](question="2 customers match 'brown'. Which one?",
                                     matches=[customer, customer])
    assert reading(which).startswith("2 customers match 'brown'. Which one?\n\n| customer id |")
    assert step_name("no_such_function", {"query": "x" * 200}, None).startswith("No such function: x")
    assert len(step_name("find_customer", {"query": "x" * 200}, None)) == NAME_LENGTH
    returned = Returned(returned=_rental(returned=date(2022, 5, 11)), days_late=3,
                        late_fee=Decimal("3"), fee_rule="$1 a day late")
    assert step_name("return_rental", {"rental_id": 7}, returned) == \
        "Took a rental back: rental 7 (ADAPTATION HOLES)"
    read = reading(returned)
    assert "- returned: rental 7 (ADAPTATION HOLES)" in read and "- late fee: $3.00" in read


async def test_starters_never_choose_a_customer(chat, sql):
    assert all("{customer}" not in message for _, _, message in chat_ui.STARTERS)
    shown = await chat_ui.starters()
    names = {name.lower() for (name,) in sql("SELECT first_name || ' ' || last_name FROM customer")}
    assert {s.label for s in shown} >= {"Rent a film", "Check a customer"}
    assert not any(name in s.message.lower() for s in shown for name in names)
    for starter in shown:
        if starter.label in ("Rent a film", "Check a customer"):  # the assistant asks who
            fresh = await ChatSession().start()
            answer = text_of(await fresh.say(starter.message))
            assert "customer" in answer and "?" in answer, answer
            assert fresh.emitter.asks == [] and fresh.steps_of_type("tool") == []
