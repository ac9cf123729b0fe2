"""The chat on the OpenAI-compatible path (a scripted local server): errors, token counts, Stop."""

import asyncio
import json

import pytest

from assistant.db import Database
from assistant.frontdesk import FrontDesk, open_front_desk
from assistant.llm import make_chat_service
from assistant.logging import configure_logging
from tests.chat_harness import CONFIRM, ChatSession, token
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.fake_openai import FakeOpenAI, Reply


def script(messages: list[dict], tools: list[str]) -> Reply:
    last = messages[-1]
    if last["role"] == "tool":
        return Reply(text=f"Done: {json.loads(last['content']).get('error', 'ok')}")
    if "fail" in last["content"]:
        return Reply(status=500)
    if last["content"].startswith("rent"):
        return Reply(tool_calls=[("Rentals-create_rental", {"customer_id": 1, "film_id": 1})])
    return Reply(text="Hello from the scripted model.")


@pytest.fixture(scope="module")
async def openai_desk(official_url):
    with FakeOpenAI(script) as fake:
        settings = make_settings(official_url, llm_mode="openai", openai_base_url=fake.url,
                                 openai_api_key="sk-test", openai_model="scripted")
        database = Database(official_url, pool_size=2)
        before = open_front_desk(
            FrontDesk(database, settings, make_chat_service(settings, database)))
        yield fake
        open_front_desk(before)
        await database.close()


async def test_a_provider_error_is_a_clear_message_in_the_chat(openai_desk):
    chat = await ChatSession().start()
    replies = await chat.say("please fail")
    assert len(replies) == 1
    assert replies[0]["name"] == "System"
    assert "could not answer" in replies[0]["output"] and "Nothing was changed" in replies[0]["output"]


async def test_model_calls_are_logged_with_token_counts(openai_desk, capfd):
    configure_logging("INFO", "console")
    chat = await ChatSession().start()
    await chat.say("hello there")
    err = capfd.readouterr().err
    calls = [line for line in err.splitlines() if "model_call" in line]
    assert calls and "prompt_tokens=42" in calls[-1] and "completion_tokens=7" in calls[-1]
    assert "estimated=False" in calls[-1]
    assert "chat_turn" in err and "correlation_id=" in err


async def test_stop_cancels_a_turn_waiting_on_the_clerk(openai_desk, sql):
    """Stop while the clerk is asked to confirm; a late Confirm + token must write nothing."""
    chat = await ChatSession().start()
    asked, late_answer = asyncio.Event(), asyncio.Event()

    async def answers_late(step_dict, spec, raise_on_timeout=False):
        asked.set()
        await late_answer.wait()
        return CONFIRM if spec.type == "action" else token(ADMIN_TOKEN)

    chat.emitter.send_ask_user = answers_late
    before = sql("SELECT count(*) FROM rental")
    turn = asyncio.create_task(chat.say("rent ACADEMY DINOSAUR to Mary Smith"))
    await asyncio.wait_for(asked.wait(), 10)
    turn.cancel()  # what Chainlit's Stop button does to the running message handler
    with pytest.raises(asyncio.CancelledError):
        await turn
    late_answer.set()
    await asyncio.sleep(0.5)
    assert sql("SELECT count(*) FROM rental") == before
    chat.emitter.send_ask_user = lambda *a, **k: asyncio.sleep(0)  # no more asks expected
    again = await asyncio.wait_for(chat.say("hello again"), 30)  # still works after a stop
    assert again and "scripted model" in again[-1]["output"]
