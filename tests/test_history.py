"""The history a turn sends the model (assistant/history.py): no database needed."""

import json
from types import SimpleNamespace

from pydantic import BaseModel
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)

from assistant.history import (
    CONDENSED,
    HISTORY_LIMIT,
    OLDER_TURNS,
    PREVIOUS_TURN,
    condense,
    for_model,
    trimmed,
)
from assistant.offline import OfflineChatService


def user(text: str) -> ChatMessageContent:
    return ChatMessageContent(role=AuthorRole.USER, content=text)


def answer(text: str) -> ChatMessageContent:
    return ChatMessageContent(role=AuthorRole.ASSISTANT, content=text, name="SearchAgent")


def calls(*pairs: tuple[str, str]) -> ChatMessageContent:
    """An assistant message with tool calls: (call id, "Plugin-function")."""
    return ChatMessageContent(role=AuthorRole.ASSISTANT, name="SearchAgent", items=[
        FunctionCallContent(id=i, plugin_name=n.split("-")[0], function_name=n.split("-")[1],
                            arguments="{}")
        for i, n in pairs
    ])


def result(call_id: str, name: str, value) -> ChatMessageContent:
    return ChatMessageContent(role=AuthorRole.TOOL, items=[FunctionResultContent(
        id=call_id, plugin_name=name.split("-")[0], function_name=name.split("-")[1],
        result=value if isinstance(value, str | BaseModel) else json.dumps(value))])


def films(n: int, start: int = 1) -> list[dict]:
    return [{"film_id": i, "title": f"FILM NUMBER {i}", "category": "Comedy", "rating": "PG",
             "rental_rate": "0.99", "length": 90 + i, "streaming": False,
             "description": "A Thoughtful Drama of a Dentist And a Cat who must Find a Boy " * 2}
            for i in range(start, start + n)]


def rentals(n: int) -> list[dict]:
    return [{"rental_id": 16000 + i, "film_id": 100 + i, "title": f"RENTED FILM {i}",
             "customer_id": 1, "customer": "MARY SMITH", "store_id": 1, "inventory_id": 500 + i,
             "rented": "2005-07-08", "due": "2005-07-15", "returned": None, "days_overdue": 3}
            for i in range(n)]


def exchange(say: str, call_id: str, name: str, value, reply: str) -> list[ChatMessageContent]:
    return [user(say), calls((call_id, name)), result(call_id, name, value), answer(reply)]


def conversation() -> list[ChatMessageContent]:
    """Three earlier turns (a film list, a customer's rentals, another list) and the current
    turn's user message. The scripted server reuses call ids across turns; so may we."""
    return [
        *exchange("comedies under $1", "call_0", "Films-list_films",
                  {"total": 20, "films": films(10)}, "Found 20 comedies: ..."),
        *exchange("what is Mary renting?", "call_0", "Customers-customer_rentals",
                  {"customer": {"customer_id": 1, "name": "MARY SMITH",
                                "email": "MARY.SMITH@sakilacustomer.org", "store_id": 1,
                                "active": True},
                   "open_only": False, "rentals": rentals(10)}, "Mary has 10 rentals: ..."),
        *exchange("films with FILM in the title", "call_1", "Films-search_titles",
                  {"total": 12, "films": films(12, start=100)}, "12 films: ..."),
        user("rent the last one to her"),
    ]


def results_of(messages) -> list[str]:
    return [str(i.result) for m in messages for i in m.items
            if isinstance(i, FunctionResultContent)]


def openai_messages(messages) -> list[dict]:
    """The messages as the OpenAI connector puts them in the request."""
    service = OpenAIChatCompletion(ai_model_id="gpt-4o-mini", api_key="sk-test")
    return service._prepare_chat_history_for_request(ChatHistory(messages=messages))


def assert_valid_for_openai(messages) -> None:
    """Each assistant tool call answered by a tool message before anything else is said, and
    no tool message without its call (what the Chat Completions API checks)."""
    unanswered: list[str] = []
    for message in openai_messages(messages):
        if message["role"] == "tool":
            assert message["tool_call_id"] in unanswered, f"result without its call: {message}"
            unanswered.remove(message["tool_call_id"])
            continue
        assert not unanswered, f"tool calls without results: {unanswered}"
        unanswered = [c["id"] for c in message.get("tool_calls") or []]
    assert not unanswered, f"tool calls without results: {unanswered}"


# --- the turn as a whole ------------------------------------------------------------------


def test_the_current_turn_is_sent_untouched():
    history = conversation()
    current = [
        *history,
        calls(("call_0", "Rentals-create_rental")),
        result("call_0", "Rentals-create_rental", {"rented": rentals(1)[0],
                                                   "note": "x" * 2000}),
    ]
    sent = for_model(current)
    start = max(i for i, m in enumerate(current) if m.role == AuthorRole.USER)
    assert len(sent) == len(current)
    assert all(a is b for a, b in zip(sent[-3:], current[start:], strict=True))
    assert "x" * 2000 in results_of(sent)[-1]


def test_user_messages_answers_and_calls_are_kept_and_pairing_stays_valid():
    history = conversation()
    sent = for_model(history)
    assert [m.role for m in sent] == [m.role for m in history]
    assert [m.content for m in sent if m.role != AuthorRole.TOOL] == [
        m.content for m in history if m.role != AuthorRole.TOOL]
    sent_calls = [i for m in sent for i in m.items if isinstance(i, FunctionCallContent)]
    assert sent_calls == [i for m in history for i in m.items if isinstance(i, FunctionCallContent)]
    assert_valid_for_openai(sent)


def test_older_results_are_bounded_and_marked_the_previous_turn_keeps_more():
    sent = for_model(conversation())
    older, older2, previous = results_of(sent)
    for text in (older, older2):
        assert len(text) <= OLDER_TURNS[1]
        assert json.loads(text)[CONDENSED]
    assert len(previous) <= PREVIOUS_TURN[1]
    assert json.loads(previous)[CONDENSED]
    assert sum(map(len, results_of(sent))) < sum(map(len, results_of(conversation()))) / 4


def test_condensed_results_keep_the_ids_a_follow_up_needs():
    older, customer, previous = (json.loads(r) for r in results_of(for_model(conversation())))
    # older turns: the totals, and the first items' ids and titles, with how many are left out
    assert older["total"] == 20
    assert older["films"][:2] == [{"film_id": 1, "title": "FILM NUMBER 1"},
                                  {"film_id": 2, "title": "FILM NUMBER 2"}]
    assert older["films_not_shown"] == 10 - len(older["films"])
    assert customer["customer"]["customer_id"] == 1
    assert customer["customer"]["name"] == "MARY SMITH"
    first = {**customer.get("rentals_common", {}), **customer["rentals"][0]}
    assert {k: first[k] for k in ("rental_id", "film_id", "title", "customer_id", "customer")} \
        == {"rental_id": 16000, "film_id": 100, "title": "RENTED FILM 0", "customer_id": 1,
            "customer": "MARY SMITH"}
    assert "description" not in json.dumps(older) and "rented" not in first
    # the turn just before: every listed item's id ("the last one")
    assert [f["film_id"] for f in previous["films"]] == list(range(100, 112))
    assert previous["films"][-1]["title"] == "FILM NUMBER 111"


def test_the_offline_model_gets_the_window_whole():
    """It replays earlier turns over their full results; a real model's turn is condensed."""
    offline = SimpleNamespace(kernel=Kernel(services=[OfflineChatService.model_construct(
        service_id="offline", ai_model_id="offline")]))
    remote = SimpleNamespace(kernel=Kernel(services=[
        OpenAIChatCompletion(ai_model_id="gpt-4o-mini", api_key="sk-test")]))
    history = conversation()
    assert results_of(for_model(history, [offline])) == results_of(history)
    assert results_of(for_model(history, [remote])) == results_of(for_model(history))
    assert results_of(for_model(history, [remote])) != results_of(history)


def test_the_chats_own_history_is_not_changed():
    history = conversation()
    before = results_of(history)
    for_model(history)
    assert results_of(history) == before
    assert len(history) == 13


def test_a_short_result_is_sent_as_it_was():
    history = [
        *exchange("who is customer 1?", "c1", "Customers-find_customer",
                  {"customer": {"customer_id": 1, "name": "MARY SMITH"}}, "MARY SMITH."),
        user("thanks"),
    ]
    assert results_of(for_model(history)) == results_of(history)


def test_unpaired_calls_and_results_in_earlier_turns_are_left_out():
    orphan_call = ChatMessageContent(role=AuthorRole.ASSISTANT, name="SearchAgent", items=[
        FunctionCallContent(id="lost", plugin_name="Films", function_name="film_details",
                            arguments="{}")])
    history = [
        user("two things at once"),
        calls(("a", "Films-film_details"), ("b", "Handoff-transfer_to_LLMAgent")),
        result("a", "Films-film_details", {"film": films(1)[0]}),  # b's result never came
        result("z", "Films-film_details", {"film": films(1)[0]}),  # no call z
        orphan_call,
        answer("Here it is."),
        user("and now?"),
    ]
    sent = for_model(history)
    assert_valid_for_openai(sent)
    ids = [i.id for m in sent for i in m.items if isinstance(i, FunctionCallContent)]
    assert ids == ["a"]
    assert [m.content for m in sent if m.role == AuthorRole.USER] == ["two things at once",
                                                                        "and now?"]
    assert sent[-2].content == "Here it is."
    # a call answered only in a later turn does not count as answered
    late = [user("one"), calls(("x", "Films-film_details")), user("two"),
            result("x", "Films-film_details", "{}"), user("three")]
    assert_valid_for_openai(for_model(late))


def test_the_window_still_starts_at_a_user_message():
    history = []
    for n in range(15):
        history += exchange(f"question {n}", f"c{n}", "Films-list_films",
                            {"total": 1, "films": films(1)}, f"answer {n}")
    history.append(user("last"))
    sent = for_model(history)
    assert len(sent) <= HISTORY_LIMIT and sent[0].role == AuthorRole.USER
    assert trimmed(history)[0].role == AuthorRole.USER
    assert_valid_for_openai(sent)


# --- condensing one result, whatever its shape ------------------------------------------------


def test_any_json_shape_is_condensed_by_its_structure():
    data = {"searched": "everything", "page": 1, "widgets": [
        {"widget_id": 7 + i, "label_name": f"W{i}", "notes": "n" * 300, "parts": [1, 2]}
        for i in range(30)], "blob": "b" * 1000}
    text = condense(json.dumps(data), items=3, budget=400)
    out = json.loads(text)
    assert len(text) <= 400
    assert out["searched"] == "everything" and out["page"] == 1
    assert out["widgets"][0] == {"widget_id": 7, "label_name": "W0"}
    assert out["widgets_not_shown"] == 30 - len(out["widgets"])
    assert len(out["blob"]) <= 80


def test_what_every_listed_item_shares_is_given_once():
    data = {"customer": {"customer_id": 1, "name": "MARY SMITH"}, "rentals": rentals(10)}
    out = json.loads(condense(json.dumps(data), *PREVIOUS_TURN))
    assert out["rentals_common"]["customer_id"] == 1
    assert out["rentals_common"]["customer"] == "MARY SMITH"
    assert [r["rental_id"] for r in out["rentals"]] == [16000 + i for i in range(10)]
    assert all("customer" not in r and r["title"] for r in out["rentals"])


def test_a_top_level_list_and_a_list_of_plain_values():
    text = condense(json.dumps([{"id": i, "name": f"item {i}", "x": "y" * 50}
                                for i in range(40)]), items=3, budget=300)
    assert json.loads(text)["result"][0] == {"id": 0, "name": "item 0"}
    names = condense(json.dumps({"actors": [f"ACTOR {i}" for i in range(50)]}), 3, 200)
    assert json.loads(names)["actors"] == ["ACTOR 0", "ACTOR 1", "ACTOR 2"]
    assert json.loads(names)["actors_not_shown"] == 47


def test_plain_text_is_cut_with_a_marker():
    refusal = "Refused: the clerk cancelled. Nothing was changed. " * 30
    text = condense(refusal, items=3, budget=200)
    assert len(text) <= 200 and text.startswith("Refused: the clerk") and "condensed" in text


def test_a_typed_result_is_condensed_as_the_json_the_model_saw():
    class Page(BaseModel):
        total: int
        films: list[dict]

        def __str__(self) -> str:
            return self.model_dump_json()

    out = json.loads(condense(Page(total=10, films=films(10)), items=3, budget=400))
    assert out["total"] == 10 and out["films"][0] == {"film_id": 1, "title": "FILM NUMBER 1"}


def test_a_typed_result_in_the_history_is_condensed_too():
    class Page(BaseModel):
        films: list[dict]

        def __str__(self) -> str:
            return self.model_dump_json()

    history = [user("list"), calls(("c", "Films-list_films")),
               result("c", "Films-list_films", Page(films=films(25))), answer("25 films"),
               user("more"), answer("ok"), user("again")]
    condensed = json.loads(results_of(for_model(history))[0])
    assert condensed["films"][0]["film_id"] == 1 and CONDENSED in condensed
