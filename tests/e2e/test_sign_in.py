"""Who is at the counter, in the browser: signing in, the clerk's own conversations in the
sidebar, resuming one with a follow-up, and the wrong-token lockout surviving a reload."""

import re

from playwright.sync_api import expect

from assistant.audit import MAX_WRONG_TOKENS
from tests.e2e.chat_page import USER_MESSAGES, ChatPage
from tests.e2e.conftest import CLERK, OTHER_CLERK
from tests.e2e.test_counter import FREE_CUSTOMERS, FREE_FILMS, WRONG_TOKEN, name_of


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(browser_tab, store_sql):
    tab = browser_tab()
    tab.page.goto(tab.base_url + "/chat")
    expect(tab.page).to_have_url(re.compile(r"/chat/login$"))
    expect(tab.page.get_by_text("Username")).to_be_visible()
    tab.sign_in(CLERK[0], "not-the-password")
    expect(tab.page.get_by_text("Wrong username or password")).to_be_visible()
    expect(tab.page).to_have_url(re.compile(r"/chat/login$"))
    tab.screenshot("20-sign-in-refused")
    tab.sign_in(*CLERK)
    tab.wait_until_ready()
    tab.screenshot("20-signed-in")


def test_a_conversation_is_listed_and_resumes_with_its_context(chat: ChatPage, browser_tab,
                                                               store_sql):
    film = store_sql(FREE_FILMS)[0]
    customer = store_sql(FREE_CUSTOMERS)[0]
    chat.say(f"tell me about {film.title}")
    thread_id = chat.page.evaluate("() => window.location.pathname.split('/').pop()")
    chat.page.goto(chat.base_url + "/chat")  # later: the sidebar lists the conversation
    listed = chat.page.locator('li[id^="thread-"]', has_text=f"tell me about {film.title}")
    expect(listed.first).to_be_visible()
    listed.first.locator("a").click()
    expect(chat.page).to_have_url(re.compile(r"/chat/thread/[0-9a-f-]{36}$"))
    earlier = chat.page.locator(USER_MESSAGES)
    expect(earlier).to_have_count(1)  # the conversation as it was
    expect(earlier).to_contain_text(f"tell me about {film.title}")
    chat.send(f"rent it to {name_of(customer)}")  # "it": from before
    preview = chat.confirm_preview()
    expect(preview).to_contain_text(film.title)
    expect(preview).to_contain_text(name_of(customer).upper())
    chat.screenshot("21-resumed-follow-up")
    chat.page.locator("#cancel-write").click()
    chat.wait_for_answer()
    # Another clerk sees none of it.
    other = browser_tab()
    other.open(*OTHER_CLERK)
    expect(other.page.locator('li[id^="thread-"]', has_text=film.title)).to_have_count(0)
    assert thread_id  # (the first conversation's address, for the report on failure)


def test_the_wrong_token_lockout_survives_a_reload(chat: ChatPage, store_sql, lockout_lifted):
    film = store_sql(FREE_FILMS)[0]
    customer = store_sql(FREE_CUSTOMERS)[0]
    rentals = "SELECT count(*) FROM rental"
    before = store_sql(rentals)[0][0]
    for _ in range(MAX_WRONG_TOKENS):
        chat.send(f"rent {film.title} to {name_of(customer)}")
        chat.confirm_with_token(WRONG_TOKEN)
    chat.reload()  # a new session: it used to buy five more guesses
    shown = chat.say(f"rent {film.title} to {name_of(customer)}")
    assert "locked" in ChatPage.text_of(shown).lower()
    expect(chat.page.locator("#confirm-write")).to_have_count(0)  # not even asked
    chat.screenshot("22-locked-after-reload")
    assert store_sql(rentals)[0][0] == before
