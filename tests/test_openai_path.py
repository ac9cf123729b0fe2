"""The OpenAI-compatible path, over real HTTP to a local scripted server (no internet)."""

import json

import pytest
from fastapi.testclient import TestClient
from semantic_kernel.contents import AuthorRole, ChatMessageContent
from semantic_kernel.exceptions import ServiceResponseException

from assistant.agents import LLM_AGENT, SEARCH_AGENT, build_agents, run_turn
from assistant.api.app import create_app
from assistant.approvals import NobodyApproves, WriteDesk
from assistant.db import Database
from assistant.llm import make_chat_service
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.fake_openai import FakeOpenAI, Reply


def script(messages: list[dict], tools: list[str]) -> Reply:
    last = messages[-1]
    if "Films-find_film" not in tools:  # LLMAgent: no store functions
        return Reply(text="Argentina won the 2022 World Cup.")
    if last["role"] == "tool":
        if not last["content"].startswith("{"):
            return Reply(text=f"That did not happen: {last['content']}")
        films = json.loads(last["content"])["films"]
        return Reply(text="Titles with ALIEN: " + ", ".join(f["title"] for f in films))
    question = last["content"]
    if "World Cup" in question:
        return Reply(tool_calls=[("Handoff-transfer_to_LLMAgent", {})])
    if "fail" in question:
        return Reply(status=500)
    if question.startswith("return rental"):
        return Reply(tool_calls=[("Rentals-return_rental", {"rental_id": int(question.split()[2])})])
    return Reply(tool_calls=[("Films-find_film", {"title": "ALIEN"})])


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI(script) as server:
        yield server


@pytest.fixture
def openai_settings(official_url, fake):
    return make_settings(official_url, llm_mode="openai", openai_base_url=fake.url,
                         openai_api_key="sk-test-key", openai_model="scripted")


async def ask(settings, question: str, history=None):
    database = Database(settings.pagila_dsn, pool_size=2)
    try:
        agents = build_agents(
            make_chat_service(settings, database), database, settings, WriteDesk(), NobodyApproves()
        )
        history = (history or []) + [ChatMessageContent(role=AuthorRole.USER, content=question)]
        chunks: list[str] = []

        async def on_chunk(agent, text):
            chunks.append(text)

        turn = await run_turn(history, agents, on_chunk=on_chunk)
        return turn, chunks, history
    finally:
        await database.close()


async def test_a_store_question_runs_a_function_and_answers_from_it(openai_settings, fake, sql):
    turn, chunks, _ = await ask(openai_settings, "films with alien in the title?")
    assert turn.agent == SEARCH_AGENT
    assert "ALIEN CENTER" in turn.answer
    expected = [r[0] for r in sql("SELECT title FROM film WHERE title ILIKE '%ALIEN%' ORDER BY title")]
    assert all(title in turn.answer for title in expected)
    assert len(chunks) > 3  # streamed word by word over HTTP
    sent = fake.requests[-1]
    assert sent["stream"] is True and sent["model"] == "scripted"
    assert any(m["role"] == "tool" for m in sent["messages"])


async def test_history_carries_earlier_function_calls(openai_settings, fake):
    turn, _, history = await ask(openai_settings, "films with alien in the title?")
    history += turn.messages
    await ask(openai_settings, "and the next one?", history)
    roles = [m["role"] for m in fake.requests[-1]["messages"]]
    assert roles.count("user") == 2 and "tool" in roles


async def test_a_general_question_is_handed_to_the_llm_agent(openai_settings):
    turn, _, _ = await ask(openai_settings, "who won the 2022 World Cup?")
    assert turn.agent == LLM_AGENT
    assert "Argentina" in turn.answer


async def test_a_provider_error_raises_instead_of_hanging(openai_settings):
    with pytest.raises(ServiceResponseException):
        await ask(openai_settings, "please fail now")


async def test_a_write_without_a_human_is_refused(openai_settings, fake, sql):
    rental_id = sql("SELECT max(rental_id) FROM rental WHERE return_date IS NULL")[0][0]
    turn, _, _ = await ask(openai_settings, f"return rental {rental_id} now")
    tool_results = [m["content"] for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert any("Refused" in r and "Nothing was changed" in r for r in tool_results)
    assert "did not happen" in turn.answer
    assert sql("SELECT return_date FROM rental WHERE rental_id = :r", r=rental_id) == [(None,)]


def test_rest_handoff_and_sse_over_openai(openai_settings, fake):
    with TestClient(create_app(openai_settings)) as client:
        handed = client.post("/api/v1/ai/handoff", json={"question": "who won the 2022 World Cup?"})
        assert handed.json() == {"agent": LLM_AGENT, "answer": "Argentina won the 2022 World Cup."}
        failed = client.post("/api/v1/ai/handoff", json={"question": "please fail"})
        assert failed.json()["agent"] == "SystemFallback"
        stream = client.get("/api/v1/ai/ask", params={"question": "please fail"})
        events = [line for line in stream.text.splitlines() if line.startswith("event:")]
        assert events == ["event: start", "event: error"]
        assert "details" in stream.text
    assert all(ADMIN_TOKEN not in json.dumps(r) for r in fake.requests)
    assert all("sk-test-key" not in json.dumps(r) for r in fake.requests)


async def test_the_prompt_lists_the_store_functions_from_their_declarations(openai_settings, fake):
    """The SearchAgent's instructions name every function the model is offered, with its own
    description, so a new function needs no edit of the prompt."""
    database = Database(openai_settings.pagila_dsn, pool_size=1)
    try:
        search, _ = build_agents(make_chat_service(openai_settings, database), database,
                                 openai_settings, WriteDesk(), NobodyApproves())
        declared = search.kernel.get_full_list_of_function_metadata()
        assert len(declared) >= 13 and "{functions}" not in search.instructions
        for function in declared:
            summary = function.description.split(". ")[0].rstrip(".")
            assert f"- {function.name}: {summary}." in search.instructions
        await ask(openai_settings, "find films with ALIEN in the title")
        sent = fake.requests[-1]["messages"][0]["content"]
        assert "- search_films: Search the store's films by any mix of" in sent
    finally:
        await database.close()
