"""The offline model: a deterministic, in-process chat model over the store's own data.

`OfflineChatService(await Lexicon.load(database))` is a Semantic Kernel chat completion
service: it recognises the store's films, customers and ids in what the clerk types, calls
the store's kernel functions, answers from their results, and hands questions that are not
about the store to the LLMAgent.
"""

from assistant.offline.lexicon import Lexicon, StoreLexicon
from assistant.offline.service import OfflineChatService, OfflineExecutionSettings

__all__ = ["Lexicon", "OfflineChatService", "OfflineExecutionSettings", "StoreLexicon"]
