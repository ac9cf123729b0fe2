"""The pages work under their Content-Security-Policy: signing in, a chat with a chart and a
confirmed rental (the masked token field is a custom element Chainlit compiles in the
browser), and the API's /docs and /redoc, without a single violation reported."""

import re

from playwright.sync_api import expect

from tests.e2e.chat_page import ChatPage
from tests.e2e.conftest import ADMIN_TOKEN, CLERK
from tests.e2e.test_counter import FREE_CUSTOMERS, FREE_FILMS, name_of

# Every violation, reported to the test as it happens (the listener is in place before any
# page script runs, on every page the tab opens).
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.reportViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} `
                         + `(${e.sourceFile}:${e.lineNumber})`);
});
"""


def watched(chat: ChatPage) -> list[str]:
    """What the tab reports as CSP violations: the DOM events and Chromium's console lines."""
    violations: list[str] = []
    chat.page.context.expose_binding("reportViolation", lambda _, text: violations.append(text))
    chat.page.context.add_init_script(REPORT_VIOLATIONS)
    chat.page.on("console", lambda message: violations.append(message.text)
                 if "Content Security Policy" in message.text else None)
    return violations


def test_the_chat_and_the_docs_run_under_their_policy(browser_tab, store_sql, server):
    chat = browser_tab()
    violations = watched(chat)
    page = chat.page

    opened = page.goto(chat.base_url + "/chat")
    assert "frame-ancestors 'none'" in opened.headers["content-security-policy"]
    assert opened.headers["x-content-type-options"] == "nosniff"
    chat.sign_in(*CLERK)
    chat.wait_until_ready()

    chat.say("which category rents most?")  # a table and a Plotly chart
    expect(page.locator(".js-plotly-plot").last).to_be_visible()

    film, customer = store_sql(FREE_FILMS)[0], store_sql(FREE_CUSTOMERS)[0]
    chat.send(f"rent {film.title} to {name_of(customer)}")
    chat.confirm_preview()
    page.locator("#confirm-write").click()
    chat.token_field().fill(ADMIN_TOKEN)  # the custom element, compiled in the page
    page.locator("#admin-token-submit").click()
    answer = ChatPage.text_of(chat.wait_for_answer())
    done = re.search(r"Rental (\d+)", answer)
    assert done and "Done:" in answer, answer
    store_sql("UPDATE rental SET return_date = now() WHERE rental_id = :r", r=int(done[1]))
    chat.screenshot("30-chat-under-its-policy")
    assert violations == []

    page.goto(chat.base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Pagila Assistant")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations == []
    page.goto(chat.base_url + "/redoc")
    expect(page.get_by_text("Pagila Assistant").first).to_be_visible()
    expect(page.locator("[data-section-id]").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    # ReDoc's "API docs by Redocly" badge is an image on cdn.redoc.ly: the docs load nothing
    # from another host, so the policy blocks it (the page works without it). Nothing else.
    assert [v for v in violations if "cdn.redoc.ly" not in v] == []
    violations.clear()
    # The listener does hear a violation: an inline script the policy doesn't allow.
    page.evaluate("() => { const s = document.createElement('script');"
                  " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }")
    for _ in range(50):  # the report arrives asynchronously (events are read while waiting)
        if violations:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in v for v in violations), violations
