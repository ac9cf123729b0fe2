"""What the chat and the AI endpoints share: the database, the settings and the model.

Set once by the app's lifespan (Chainlit's handlers run outside FastAPI's dependencies).
"""

from dataclasses import dataclass, field

from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase

from assistant.agents import build_agents, read_plugins
from assistant.approvals import Approver, WriteDesk
from assistant.db import Database
from assistant.settings import Settings


@dataclass
class FrontDesk:
    database: Database
    settings: Settings
    service: ChatCompletionClientBase

    plugins: list = field(init=False)  # the store's read-only functions, shared by every turn

    def __post_init__(self):
        self.plugins = read_plugins(self.database)

    def agents(self, desk: WriteDesk, approver: Approver, kernel_filters: list = ()):
        return build_agents(self.service, self.database, self.settings, desk, approver,
                            kernel_filters, self.plugins)


_open: FrontDesk | None = None


def open_front_desk(front_desk: FrontDesk | None) -> FrontDesk | None:
    """Open `front_desk` (None: close); returns the one open before, to be put back after (two
    apps in one process, as in the tests)."""
    global _open
    before, _open = _open, front_desk
    return before


def front_desk() -> FrontDesk:
    if _open is None:
        raise RuntimeError("the front desk is not open: the app's lifespan has not started")
    return _open
