"""The front desk the way a clerk uses it: a real Chromium, the real server, the real database.

Every answer is checked against SQL on the server's own database. Each test opens a new
browser context, so a new chat session. The screenshots are the scenarios' end states.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assistant.chat_ui import STARTERS
from tests.e2e.chat_page import TURN_DONE, USER_MESSAGES, ChatPage
from tests.e2e.conftest import ADMIN_TOKEN
from tests.late_fee_rule import days_late, late_fee

WRONG_TOKEN = "not-the-admin-token"


# --------------------------------------------------------------------------- the store's data


def films_matching(store_sql, where: str, **params) -> tuple[int, list[str]]:
    """The count and the first 10 titles (by title, as the store lists them) of a film filter."""
    rows = store_sql(f"SELECT f.title FROM film f WHERE {where} ORDER BY f.title, f.film_id",
                     **params)
    return len(rows), [r.title for r in rows[:10]]


CATEGORY = ("EXISTS (SELECT 1 FROM film_category fc JOIN category c USING (category_id) "
            "WHERE fc.film_id = f.film_id AND c.name = :category)")

# A customer whose name is theirs alone, active, of store 1, with nothing rented out.
FREE_CUSTOMERS = """
    SELECT c.customer_id, c.first_name, c.last_name FROM customer c
    WHERE c.activebool AND c.store_id = 1
      AND NOT EXISTS (SELECT 1 FROM customer d WHERE d.customer_id <> c.customer_id
                      AND (d.first_name, d.last_name) = (c.first_name, c.last_name))
      AND NOT EXISTS (SELECT 1 FROM rental r WHERE r.customer_id = c.customer_id
                      AND r.return_date IS NULL)
    ORDER BY c.customer_id LIMIT 2
"""

# A film with a copy on the shelf at store 1 (the clerk's), a title of its own of 1-2 words.
FREE_FILMS = """
    SELECT f.film_id, f.title FROM film f
    WHERE f.title NOT LIKE '% % %'
      AND NOT EXISTS (SELECT 1 FROM film g WHERE g.film_id <> f.film_id AND g.title = f.title)
      AND EXISTS (SELECT 1 FROM inventory i WHERE i.film_id = f.film_id AND i.store_id = 1
                  AND NOT EXISTS (SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id
                                  AND r.return_date IS NULL))
    ORDER BY f.film_id LIMIT 2
"""


def name_of(customer) -> str:
    return f"{customer.first_name.title()} {customer.last_name.title()}"


def open_rentals(store_sql, customer_id: int) -> list:
    return store_sql("""
        SELECT r.rental_id, f.title FROM rental r JOIN inventory i USING (inventory_id)
        JOIN film f USING (film_id) WHERE r.customer_id = :c AND r.return_date IS NULL
        ORDER BY r.rental_id""", c=customer_id)


@pytest.fixture(scope="module")
def counter(store_sql) -> dict:
    """Who rents what in this module: two free customers and two films on store 1's shelf
    (one pair for the rental, one for the wrong token); `rental` is filled by the rental test."""
    customers, films = store_sql(FREE_CUSTOMERS), store_sql(FREE_FILMS)
    assert len(customers) == 2 and len(films) == 2, "the demo store lacks free customers/films"
    return {"customers": customers, "films": films, "rental": None}


# --------------------------------------------------------------------------- browsing


def test_welcome_screen_shows_the_starters_and_one_answers(chat: ChatPage, store_sql):
    page = chat.page
    expect(page).to_have_title(re.compile("Pagila Assistant"))
    for slug, label, _ in STARTERS:
        expect(page.locator(f"#starter-{slug}")).to_have_text(label)
    chat.screenshot("01-welcome")

    message = dict((slug, text) for slug, _, text in STARTERS)["find-a-film"]
    page.locator("#starter-find-a-film").click()
    chat.wait_for_question(1, message)
    shown = chat.wait_for_answer()

    total, titles = films_matching(store_sql, f"{CATEGORY} AND f.rental_rate < 1",
                                   category="Comedy")
    answer = chat.text_of(shown)
    assert f"Found {total} Comedy films" in answer
    assert [item.split(" (")[0] for item in chat.items_of(shown)] == titles
    (step,) = chat.tools_of(shown)
    assert step.startswith("Searched the catalogue: ") and "Comedy" in step
    expect(page.locator('[id^="starter-"]')).to_have_count(0)  # the welcome screen is gone
    chat.screenshot("02-welcome-starter-answered")


# What each of the other starters should bring (find-a-film: the test above, against SQL).
# Their messages name real records of the served store (never a customer: the assistant asks
# who is at the counter); the question shown must be one.
STARTER_ANSWERS = {
    "check-a-customer": r"Which customer\?",
    "rent-a-film": r"Who is renting .+\? Give the customer's name",
    "return-a-rental": None,  # the Confirm/Cancel question (cancelled here: nothing is written)
    "recommendations": r"Found \d+ films that the store recommends",
}
STARTER_RECORDS = {
    "rent-a-film": (r"rent (.+)", "SELECT count(*) FROM film WHERE title = :v"),
    "return-a-rental": (r"return rental (\d+)",
                        "SELECT count(*) FROM rental WHERE rental_id = CAST(:v AS int) "
                        "AND return_date IS NULL"),
}


@pytest.mark.parametrize("slug", [slug for slug, _, _ in STARTERS if slug in STARTER_ANSWERS])
def test_the_other_starters_get_an_answer_from_the_store(chat: ChatPage, store_sql, slug):
    before = store_sql("SELECT count(*) FROM rental")
    chat.page.locator(f"#starter-{slug}").click()
    chat.wait_for_question(1, "")
    question = chat.page.locator(USER_MESSAGES).last.inner_text().strip()
    if slug in STARTER_RECORDS:
        pattern, query = STARTER_RECORDS[slug]
        named = re.fullmatch(pattern, question)
        assert named, question
        assert store_sql(query, v=named.group(1)) == [(1,)], question
    chat.page.wait_for_function(
        f"() => !!document.querySelector('#confirm-write') || ({TURN_DONE})()")
    asked = chat.page.locator("#confirm-write").is_visible()
    chat.screenshot(f"02-starter-{slug}")
    if asked:
        chat.page.locator("#cancel-write").click()
    answer = chat.text_of(chat.wait_for_answer())

    assert store_sql("SELECT count(*) FROM rental") == before
    if STARTER_ANSWERS[slug] is None:
        assert asked, f"no Confirm question; the answer: {answer}"
    else:
        assert re.search(STARTER_ANSWERS[slug], answer), answer


def test_a_film_search_lists_the_films_of_the_database(chat: ChatPage, store_sql):
    shown = chat.say("PG-13 action films")

    total, titles = films_matching(store_sql, f"{CATEGORY} AND f.rating = 'PG-13'",
                                   category="Action")
    answer = chat.text_of(shown)
    assert f"Found {total} PG-13 Action films" in answer
    assert [item.split(" (")[0] for item in chat.items_of(shown)] == titles
    assert all(s["author"] == "SearchAgent" for s in shown if s["type"] == "assistant_message")
    chat.screenshot("03-film-search")

    # The function call is a step named in words; opened, it shows a short table of what the
    # database gave, not JSON.
    (name,) = chat.tools_of(shown)
    assert name.startswith("Searched the catalogue: ") and "PG-13" in name and "Action" in name
    step = chat.page.locator(f'[id="step-{name}"]')
    expect(step).to_have_text(name)
    step.click()
    opened = chat.page.locator('.step[data-step-type="tool"]')
    expect(opened.locator("table")).to_contain_text(titles[0])
    expect(opened).not_to_contain_text('"title"')
    chat.screenshot("03-film-search-step-opened")


def test_a_customer_lookup_shows_what_they_have_out(chat: ChatPage, store_sql):
    customer = store_sql("""
        SELECT c.customer_id, c.first_name, c.last_name FROM customer c
        WHERE c.activebool AND (SELECT count(*) FROM customer d
                                WHERE (d.first_name, d.last_name) = (c.first_name, c.last_name)) = 1
          AND (SELECT count(*) FROM rental r WHERE r.customer_id = c.customer_id
               AND r.return_date IS NULL) BETWEEN 2 AND 3
        ORDER BY c.customer_id LIMIT 1""")[0]
    out = open_rentals(store_sql, customer.customer_id)

    shown = chat.say(f"what is {name_of(customer)} renting?")

    answer = chat.text_of(shown)
    who = f"{customer.first_name} {customer.last_name} (customer {customer.customer_id})"
    assert f"{who} has {len(out)} rentals out" in answer
    for rental_id, title in out:
        assert f"Rental {rental_id}: {title}" in answer
    assert any(name.startswith("Listed a customer's rentals: ")
               and f"(customer {customer.customer_id})" in name for name in chat.tools_of(shown))
    chat.screenshot("04-customer-lookup")


def test_a_ranking_shows_its_table_and_a_chart(chat: ChatPage, store_sql):
    shown = chat.say("which category rents most?")

    top, rentals = store_sql("""
        SELECT c.name, count(*) FROM rental r JOIN inventory USING (inventory_id)
        JOIN film_category USING (film_id) JOIN category c USING (category_id)
        GROUP BY c.name ORDER BY 2 DESC, 1 LIMIT 1""")[0]
    assert re.search(rf"{top}\s+{rentals:,}", chat.text_of(shown))  # the table's first row
    chart = chat.page.locator(".js-plotly-plot").last
    expect(chart).to_be_visible()
    expect(chart).to_contain_text(top)  # drawn in the browser, with no internet access
    chat.screenshot("05-ranking-chart")


def test_a_general_question_is_answered_by_the_llm_agent(chat: ChatPage):
    shown = chat.say("who won the 2022 World Cup?")

    replies = [s for s in shown if s["type"] == "assistant_message"]
    assert replies[-1]["author"] == "LLMAgent"
    assert "offline mode" in replies[-1]["text"] and "configure a model" in replies[-1]["text"]
    assert not any("Handoff" in name for name in chat.tools_of(shown))
    # The reply is signed with the agent's name, and the avatar's tooltip says it too.
    assert replies[-1]["text"].startswith("LLMAgent")
    chat.page.locator('.step img[alt="Avatar for LLMAgent"]').last.hover()
    expect(chat.page.get_by_role("tooltip")).to_have_text("LLMAgent")
    chat.screenshot("05-general-question-llm-agent")


def test_a_page_reload_starts_a_new_chat_that_works(chat: ChatPage, store_sql):
    title = store_sql(FREE_FILMS)[0].title
    chat.say(f"tell me about {title}")
    chat.reload()

    for slug, label, _ in STARTERS:  # a new chat: the welcome screen again
        expect(chat.page.locator(f"#starter-{slug}")).to_have_text(label)
    shown = chat.say(f"tell me about {title}")
    description = store_sql("SELECT description FROM film WHERE title = :t", t=title)[0][0]
    answer = chat.text_of(shown)
    assert title in answer and description in answer
    expect(chat.page.locator('.step[data-step-type="user_message"]')).to_have_count(1)
    chat.screenshot("06-after-reload")


# --------------------------------------------------------------------------- writes


def rent(chat: ChatPage, film, customer, token: str) -> str:
    """Ask for the rental, Confirm, give `token` in the masked field; returns the answer."""
    chat.send(f"rent {film.title} to {name_of(customer)}")
    preview = chat.confirm_preview()
    expect(preview).to_contain_text(f"Rent {film.title} (film {film.film_id}) to "
                                     f"{customer.first_name} {customer.last_name} "
                                     f"(customer {customer.customer_id})")
    expect(preview).to_contain_text(re.compile(r"Copy \d+ at store 1, by clerk 1"))
    expect(preview).to_contain_text(re.compile(r"Due back \d{4}-\d\d-\d\d"))
    expect(preview).to_contain_text(re.compile(
        r"Charges \$\d+\.\d\d, the rental fee, recorded as a payment to clerk 1"))
    chat.screenshot(f"07-rent-confirm-{'ok' if token == ADMIN_TOKEN else 'wrong'}")
    chat.page.locator("#confirm-write").click()

    field = chat.token_field()
    expect(field).to_have_attribute("type", "password")
    field.fill(token)
    chat.screenshot(f"08-rent-token-{'ok' if token == ADMIN_TOKEN else 'wrong'}")
    chat.page.locator("#admin-token-submit").click()
    return chat.text_of(chat.wait_for_answer())


def test_renting_a_film_with_confirm_and_the_token(chat: ChatPage, store_sql, counter, server):
    film, customer = counter["films"][0], counter["customers"][0]

    answer = rent(chat, film, customer, ADMIN_TOKEN)

    done = re.search(rf"Done: {re.escape(film.title)} is rented to {customer.first_name} "
                     rf"{customer.last_name} \(customer {customer.customer_id}\)\. "
                     r"Rental (\d+), copy (\d+) from store 1", answer)
    assert done, answer
    rental_id, copy = int(done[1]), int(done[2])
    row = store_sql("""
        SELECT r.customer_id, i.film_id, i.inventory_id, i.store_id, r.staff_id, r.return_date
        FROM rental r JOIN inventory i USING (inventory_id) WHERE r.rental_id = :r""",
                    r=rental_id)
    assert row == [(customer.customer_id, film.film_id, copy, 1, 1, None)]
    # the rental fee is recorded once, as a payment taken by the clerk
    assert store_sql("""SELECT p.amount = f.rental_rate, p.staff_id, p.customer_id
                        FROM payment p JOIN film f ON f.film_id = :f
                        WHERE p.rental_id = :r""", r=rental_id, f=film.film_id) == [
        (True, 1, customer.customer_id)]
    assert [r.rental_id for r in open_rentals(store_sql, customer.customer_id)] == [rental_id]
    assert any(name.startswith("Rented a film") for name in chat.tools_of(chat.shown()))
    assert ADMIN_TOKEN not in chat.page.content()
    assert ADMIN_TOKEN not in server.log.read_text()
    counter["rental"] = (rental_id, film, customer)
    chat.screenshot("09-rented")


def test_a_wrong_token_is_refused_and_rents_nothing(chat: ChatPage, store_sql, counter, server):
    film, customer = counter["films"][1], counter["customers"][1]

    answer = rent(chat, film, customer, WRONG_TOKEN)

    assert "Not rented." in answer and "wrong" in answer, answer
    assert open_rentals(store_sql, customer.customer_id) == []
    assert store_sql("""SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)
                        WHERE i.film_id = :f AND r.return_date IS NULL""",
                     f=film.film_id) == [(0,)]
    assert not any(name.startswith("Rented a film") for name in chat.tools_of(chat.shown()))
    assert WRONG_TOKEN not in chat.page.content()
    assert WRONG_TOKEN not in server.log.read_text()
    chat.screenshot("10-wrong-token-refused")


def returned_fee(store_sql, rental_id: int) -> tuple[int, Decimal]:
    """Days late and late fee of a returned rental, by the store's rule, from the stored dates."""
    rented, returned, duration, replacement = store_sql("""
        SELECT r.rental_date, r.return_date, f.rental_duration, f.replacement_cost
        FROM rental r JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)
        WHERE r.rental_id = :r AND r.return_date IS NOT NULL""", r=rental_id)[0]
    return (days_late(rented, returned, duration),
            late_fee(rented, returned, duration, replacement))


# Overdue rentals that the demo store has at each store from the start of the day it was made
# to an hour past its end, whatever the date (data/demo.py): days out, against the film's
# rental duration. Each a day clear of the other regime, so the return, moments later, is too.
LATE_BY_DAYS = "BETWEEN f.rental_duration + 2 AND 2 * f.rental_duration - 1"  # $1 a day
KEPT_TOO_LONG = "> 2 * f.rental_duration + 1"  # the replacement cost

# One of them, at store 1; of those, the one whose days-late count went up last, so that it
# does not go up again between the Confirm question and the return (it does once a day).
OVERDUE = """
    SELECT r.rental_id, f.replacement_cost FROM rental r JOIN inventory i USING (inventory_id)
    JOIN film f USING (film_id)
    WHERE r.return_date IS NULL AND i.store_id = 1
      AND extract(epoch FROM now() - r.rental_date) / 86400 {days_out}
    ORDER BY mod(extract(epoch FROM now() - r.rental_date), 86400), r.rental_id LIMIT 1
"""


def give_back(chat: ChatPage, rental_id: int, shot: str) -> tuple[str, str]:
    """Return a rental through the chat with Confirm and the token: (preview, answer)."""
    chat.send(f"return rental {rental_id}")
    preview = chat.confirm_preview()
    expect(preview).to_contain_text(f"Return rental {rental_id}:")
    preview_text = preview.inner_text()
    chat.screenshot(f"{shot}-confirm")
    chat.page.locator("#confirm-write").click()
    chat.token_field().fill(ADMIN_TOKEN)
    chat.page.locator("#admin-token-submit").click()
    answer = chat.text_of(chat.wait_for_answer())
    chat.screenshot(shot)
    return preview_text, answer


def test_returning_that_rental_and_an_overdue_one_shows_the_late_fee(chat, store_sql, counter):
    if counter["rental"] is None:
        pytest.fail("needs the rental made by test_renting_a_film_with_confirm_and_the_token")
    rental_id, film, customer = counter["rental"]

    preview, answer = give_back(chat, rental_id, "11-returned-on-time")

    assert f"{film.title} (copy" in preview and f"{customer.first_name} {customer.last_name}" \
        in preview
    assert "0 day(s) late; late fee $0.00" in preview
    assert f"Done: rental {rental_id} ({film.title}" in answer
    assert "It was on time: no late fee ($0.00)." in answer
    assert returned_fee(store_sql, rental_id) == (0, Decimal("0.00"))

    # Two the demo store has had out for a while: one late by a few days ($1 a day past the
    # film's rental duration), one kept over twice its duration (the replacement cost).
    for days_out, shot in ((LATE_BY_DAYS, "12-returned-late-per-day"),
                           (KEPT_TOO_LONG, "13-returned-late-replacement-cost")):
        found = store_sql(OVERDUE.format(days_out=days_out))
        assert found, f"the demo store has no rental out at store 1 for {days_out} days"
        overdue, replacement = found[0]

        preview, answer = give_back(chat, overdue, shot)

        days, fee = returned_fee(store_sql, overdue)
        assert days >= 2
        assert fee == (replacement if "replacement" in shot else Decimal(days))
        assert f"{days} day(s) late; late fee ${fee}" in preview
        rule = ("the film's replacement cost: kept more than twice its rental period"
                if "replacement" in shot else "$1 per day late")
        assert f"It was {days} days late: late fee ${fee} ({rule})." in answer
