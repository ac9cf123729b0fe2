"""The chat as a person sees it in the browser: type, send, wait for the answer, read it.

Only stable selectors: the sign-in form's `#email` and `#password`, `#chat-input`, `#chat-submit`, `#stop-button`, `.step[data-step-type=...]`,
`[id="step-<the step's name in words>"]`, the action ids (`#confirm-write`, `#cancel-write`), the token field's
ids (`#admin-token`, `#admin-token-submit`) and `#starter-<slug>`. No fixed sleeps: an answer is
finished when the turn's last step is an assistant message, nothing is being asked, and the
Stop button has given way to the send button again.
"""

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

USER_MESSAGES = '.step[data-step-type="user_message"]'

# True once the current turn is over (see the module docstring).
TURN_DONE = """() => {
  const steps = [...document.querySelectorAll('.step')];
  const last = steps[steps.length - 1];
  return !!last && last.dataset.stepType === 'assistant_message'
    && !document.querySelector('#stop-button, #confirm-write, #admin-token')
    && !!document.querySelector('#chat-submit');
}"""

# What the chat showed after the last user message: assistant messages with their author
# (the avatar's alt text; the reply also starts with the agent's name) and tool steps by name.
SINCE_LAST_QUESTION = """() => {
  const steps = [...document.querySelectorAll('.step')];
  let start = 0;
  steps.forEach((s, i) => { if (s.dataset.stepType === 'user_message') start = i + 1; });
  return steps.slice(start).map(s => {
    const avatar = s.querySelector('img[alt^="Avatar for "]');
    const title = s.querySelector('button[id^="step-"], p[id^="step-"]');
    return {
      type: s.dataset.stepType,
      author: avatar ? avatar.alt.replace('Avatar for ', '') : null,
      name: s.dataset.stepType === 'tool' && title ? title.id.replace(/^step-/, '') : null,
      text: s.innerText,
      items: [...s.querySelectorAll('li')].map(li => li.innerText),
    };
  });
}"""


class ChatPage:
    def __init__(self, page: Page, base_url: str, artifacts: Path):
        self.page = page
        self.base_url = base_url
        self.artifacts = artifacts

    # ------------------------------------------------------------------ opening the chat

    def open(self, username: str, password: str) -> "ChatPage":
        """Open the store's address, as a clerk would type it (`/` sends the browser to /chat,
        which asks to sign in first), and sign in."""
        self.page.goto(self.base_url + "/")
        self.sign_in(username, password)
        self.wait_until_ready()
        return self

    def sign_in(self, username: str, password: str) -> None:
        expect(self.page).to_have_url(re.compile(r"/chat/login$"))
        self.page.locator("#email").fill(username)  # Chainlit's id; its label says Username
        self.page.locator("#password").fill(password)
        self.page.locator('button[type="submit"]').click()

    def reload(self) -> None:
        self.page.reload()
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        expect(self.page).to_have_url(re.compile(r"/chat/?$"))
        expect(self.page.locator("#chat-input")).to_be_visible()
        # Starters are disabled until the chat's websocket is connected.
        expect(self.page.locator('[id^="starter-"]').first).to_be_enabled()

    # ------------------------------------------------------------------ talking

    def send(self, text: str) -> None:
        """Type `text` and click send; returns once the message shows as the clerk's."""
        asked = self.page.locator(USER_MESSAGES).count()
        self.page.locator("#chat-input").fill(text)
        submit = self.page.locator("#chat-submit")
        expect(submit).to_be_enabled()
        submit.click()
        self.wait_for_question(asked + 1, text)

    def wait_for_question(self, count: int, text: str) -> None:
        questions = self.page.locator(USER_MESSAGES)
        expect(questions).to_have_count(count)
        expect(questions.last).to_contain_text(text)

    def wait_for_answer(self) -> list[dict]:
        self.page.wait_for_function(TURN_DONE)
        return self.shown()

    def say(self, text: str) -> list[dict]:
        """Send `text` and wait for the whole answer; returns what was shown since."""
        self.send(text)
        return self.wait_for_answer()

    def shown(self) -> list[dict]:
        return self.page.evaluate(SINCE_LAST_QUESTION)

    @staticmethod
    def text_of(shown: list[dict]) -> str:
        return "\n".join(s["text"] for s in shown if s["type"] == "assistant_message")

    @staticmethod
    def items_of(shown: list[dict]) -> list[str]:
        """The list items (numbered or bulleted) of the assistant messages."""
        return [i for s in shown if s["type"] == "assistant_message" for i in s["items"]]

    @staticmethod
    def tools_of(shown: list[dict]) -> list[str]:
        return [s["name"] for s in shown if s["type"] == "tool"]

    # ------------------------------------------------------------------ writes

    def confirm_preview(self) -> Locator:
        """Wait for the Confirm/Cancel question; returns the message that asks it."""
        confirm = self.page.locator("#confirm-write")
        expect(confirm).to_be_visible()
        expect(self.page.locator("#cancel-write")).to_be_visible()
        return self.page.locator(".step", has=confirm)

    def confirm_with_token(self, token: str) -> list[dict]:
        """Confirm the write being asked about and give `token`; returns the answer shown."""
        self.confirm_preview()
        self.page.locator("#confirm-write").click()
        self.token_field().fill(token)
        self.page.locator("#admin-token-submit").click()
        return self.wait_for_answer()

    def token_field(self) -> Locator:
        field = self.page.locator("#admin-token")
        expect(field).to_be_visible()
        return field

    # ------------------------------------------------------------------ evidence

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=path, animations="disabled")
        return path
