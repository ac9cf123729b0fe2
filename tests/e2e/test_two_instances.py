"""Two instances of the app on one database, as behind a load balancer: a conversation started
on one resumes on the other with its context, and the wrong-token lockout is shared."""

import re

from playwright.sync_api import expect

from assistant.audit import MAX_WRONG_TOKENS
from tests.e2e.chat_page import USER_MESSAGES, ChatPage
from tests.e2e.test_counter import FREE_CUSTOMERS, FREE_FILMS, WRONG_TOKEN, name_of


def on(chat: ChatPage, server) -> ChatPage:
    """The same browser tab (so the same sign-in cookie), talking to another instance."""
    return ChatPage(chat.page, server.base_url, chat.artifacts)


def test_a_conversation_started_on_one_instance_resumes_on_the_other(chat, second_server,
                                                                     store_sql):
    film = store_sql(FREE_FILMS)[0]
    customer = store_sql(FREE_CUSTOMERS)[0]
    chat.say(f"what do you know about {film.title}?")
    (thread_id,) = store_sql("""SELECT id::text FROM threads WHERE name = :n
                                ORDER BY "createdAt" DESC LIMIT 1""",
                             n=f"what do you know about {film.title}?")[0]
    other = on(chat, second_server)
    other.page.goto(f"{second_server.base_url}/chat/thread/{thread_id}")
    expect(other.page.locator(USER_MESSAGES)).to_have_count(1)
    other.send(f"rent it to {name_of(customer)}")
    preview = other.confirm_preview()
    expect(preview).to_contain_text(film.title)
    expect(preview).to_contain_text(name_of(customer).upper())
    other.screenshot("23-resumed-on-the-second-instance")
    other.page.locator("#cancel-write").click()
    other.wait_for_answer()
    expect(other.page).to_have_url(re.compile(rf"/chat/thread/{thread_id}$"))


def test_the_lockout_is_shared_by_the_instances(chat, second_server, store_sql, lockout_lifted):
    film = store_sql(FREE_FILMS)[0]
    customer = store_sql(FREE_CUSTOMERS)[0]
    for _ in range(MAX_WRONG_TOKENS):
        chat.send(f"rent {film.title} to {name_of(customer)}")
        chat.confirm_with_token(WRONG_TOKEN)
    other = on(chat, second_server)
    other.page.goto(second_server.base_url + "/chat")
    other.wait_until_ready()
    shown = other.say(f"rent {film.title} to {name_of(customer)}")
    assert "locked" in ChatPage.text_of(shown).lower()
    expect(other.page.locator("#confirm-write")).to_have_count(0)
