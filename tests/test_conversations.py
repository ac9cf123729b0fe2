"""Who is at the counter, in the chat: the signed-in clerk's writes, saved conversations that
resume with their context, the audit trail, the lockout kept in the database, and a log and an
archive that hold no customer data or token."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from assistant.audit import MAX_WRONG_TOKENS
from assistant.conversations import make_archive
from assistant.logging import configure_logging
from tests.chat_harness import CANCEL, CONFIRM, ChatSession, clerk, token
from tests.conftest import ADMIN_TOKEN, film_on_the_shelf
from tests.test_chat import WRONG, text_of

JON = clerk("Jon", staff_id=2, store_id=2)


@pytest.fixture
def film_at_store_2(sql):
    return film_on_the_shelf(sql, 2)


def audit_of(sql, thread_id: str) -> list[tuple]:
    return sql("SELECT staff_id, action, arguments, outcome FROM write_audit "
               "WHERE thread_id = :t ORDER BY audit_id", t=thread_id)


async def test_the_signed_in_clerk_rents_from_their_store_and_takes_the_payment(
        front_desk, sql, film_at_store_2, lockout_cleared):
    film_id, title = film_at_store_2
    chat = await ChatSession(user=JON).start()
    await chat.say(f"rent {title} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    assert "store 2" in chat.emitter.asks[0]["content"]
    rental_id, staff_id, store_id = sql("""
        SELECT r.rental_id, r.staff_id, i.store_id FROM rental r JOIN inventory i
        USING (inventory_id) WHERE r.customer_id = 1 ORDER BY r.rental_id DESC LIMIT 1""")[0]
    assert (staff_id, store_id) == (2, 2)
    assert sql("SELECT staff_id FROM payment WHERE rental_id = :r", r=rental_id) == [(2,)]
    arguments = {"customer_id": 1, "film_id": film_id}
    assert audit_of(sql, chat.thread_id) == [
        (2, "Rentals-create_rental", arguments, "proposed"),
        (2, "Rentals-create_rental", arguments, "confirmed"),
        (2, "Rentals-create_rental", arguments, "executed"),
    ]


async def test_cancelled_and_wrong_token_decisions_are_audited(front_desk, sql, free_film,
                                                              lockout_cleared):
    chat = await ChatSession().start()
    await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(WRONG))
    await chat.say(f"rent {free_film[1]} to Mary Smith", CANCEL)
    outcomes = [row[3] for row in audit_of(sql, chat.thread_id)]
    assert outcomes == ["proposed", "wrong_token", "proposed", "cancelled"]
    assert all(row[0] == 1 for row in audit_of(sql, chat.thread_id))


async def test_the_lockout_survives_a_reload_and_is_per_clerk(front_desk, sql, free_film,
                                                            film_at_store_2, lockout_cleared):
    tab = await ChatSession().start()
    for _ in range(MAX_WRONG_TOKENS):
        await tab.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(WRONG))
    reloaded = await ChatSession().start()  # a new session, as after a page reload
    replies = await reloaded.say(f"rent {free_film[1]} to Mary Smith", CONFIRM,
                                 token(ADMIN_TOKEN))
    assert reloaded.emitter.asks == [] and "locked" in text_of(replies).lower()
    assert audit_of(sql, reloaded.thread_id)[-1][3] == "locked"
    other_clerk = await ChatSession(user=JON).start()  # Jon's writes are not locked
    await other_clerk.say(f"rent {film_at_store_2[1]} to Mary Smith", CANCEL)
    assert [a["type"] for a in other_clerk.emitter.asks] == ["action"]


async def test_a_resumed_conversation_keeps_its_context_for_a_follow_up(front_desk, sql,
                                                                      free_film, lockout_cleared):
    film_id, title = free_film
    first = await ChatSession().start()
    await first.say(f"tell me about {title}")
    resumed = await ChatSession(thread_id=first.thread_id).resume()  # another tab, or instance
    before = sql("SELECT count(*) FROM rental WHERE customer_id = 1")[0][0]
    replies = await resumed.say("rent it to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
    assert title in resumed.emitter.asks[0]["content"]
    assert sql("SELECT count(*) FROM rental WHERE customer_id = 1")[0][0] == before + 1
    assert title in text_of(replies)
    # Another clerk cannot pick up this conversation's history.
    stranger = await ChatSession(user=JON, thread_id=first.thread_id).resume()
    import chainlit as cl
    assert cl.user_session.get("history") == []
    assert stranger.thread_id == first.thread_id


async def test_the_archive_never_stores_the_token(front_desk, sql):
    chat = await ChatSession().start()
    said = f"the token is {ADMIN_TOKEN}, what's overdue?"
    await chat.say(said)
    archive = make_archive()
    # What Chainlit itself writes before on_message runs: the thread's name, the user's step.
    await archive.update_thread(chat.thread_id, name=said,
                                metadata={"note": said, "history": ["x"], "desk": {"y": 1}})
    await archive.create_step({"id": "6b0c7c77-0000-4000-8000-000000000001",
                               "threadId": chat.thread_id, "name": "Mike",
                               "type": "user_message", "streaming": False,
                               "input": "", "output": said, "metadata": {}})
    stored = sql("""SELECT t.name, t.metadata::text, s.output FROM threads t
                    JOIN steps s ON s."threadId" = t.id WHERE t.id = CAST(:t AS uuid)""",
                 t=chat.thread_id)
    assert len(stored) >= 2  # the user's step and the assistant's reply
    assert ADMIN_TOKEN not in repr(stored)
    assert any("[admin token removed]" in (row[2] or "") for row in stored)
    assert '"history"' not in stored[0][1] and '"desk"' not in stored[0][1]
    saved = sql("SELECT messages::text FROM conversation WHERE thread_id = CAST(:t AS uuid)",
                t=chat.thread_id)[0][0]
    assert ADMIN_TOKEN not in saved and "[admin token removed]" in saved


async def test_a_whole_rent_and_return_at_info_logs_no_customer_data(front_desk, sql, free_film,
                                                                     capsys, caplog,
                                                                     lockout_cleared):
    customer = sql("SELECT first_name, last_name, email FROM customer WHERE customer_id = 1")[0]
    configure_logging("INFO", "console", secrets=[ADMIN_TOKEN])
    caplog.set_level(logging.INFO)
    try:
        chat = await ChatSession().start()
        await chat.say("what is Mary Smith renting?")
        await chat.say(f"rent {free_film[1]} to Mary Smith", CONFIRM, token(ADMIN_TOKEN))
        rental_id = sql("SELECT max(rental_id) FROM rental WHERE customer_id = 1")[0][0]
        await chat.say(f"the token is {ADMIN_TOKEN}: return rental {rental_id}", CONFIRM,
                       token(ADMIN_TOKEN))
        await chat.say("mary.smith@sakilacustomer.org's balance?")
    finally:
        logged = capsys.readouterr().err + caplog.text
        configure_logging("WARNING")
    assert "chat_turn" in logged and "write_decision" in logged  # the log did speak at INFO
    assert sql("SELECT return_date IS NOT NULL FROM rental WHERE rental_id = :r",
               r=rental_id) == [(True,)]
    for private in (*customer, customer[2].lower(), "MARY SMITH", "Mary Smith", ADMIN_TOKEN,
                    free_film[1]):
        assert private not in logged, private


async def test_the_audit_command_prints_the_trail_by_clerk_and_time(front_desk, database,
                                                                   official_url):
    from assistant.audit import WriteLedger
    from tests.test_cli import cli

    ledger = WriteLedger(database, staff_id=2, thread_id="audit-test-thread")
    await ledger.record("Rentals-return_rental", {"rental_id": 4242}, "proposed", "Return ...")
    await ledger.record("Rentals-return_rental", {"rental_id": 4242}, "wrong_token")
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    printed = cli("audit", "--staff", "Jon", "--since", since, PAGILA_DSN=official_url)
    assert printed.returncode == 0, printed.stderr
    lines = [line for line in printed.stdout.splitlines() if "audit-test-thread" in line]
    assert len(lines) == 2
    assert "Jon" in lines[0] and "return_rental" in lines[0] and "rental_id=4242" in lines[0]
    assert "proposed" in lines[0] and "wrong_token" in lines[1]
    mike = cli("audit", "--staff", "Mike", PAGILA_DSN=official_url)
    assert "audit-test-thread" not in mike.stdout
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    assert "audit-test-thread" not in cli("audit", "--since", later,
                                          PAGILA_DSN=official_url).stdout
