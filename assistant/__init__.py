"""Pagila Assistant: a conversational front desk for a DVD-rental store."""

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("pagila-assistant")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

# Chainlit reads .chainlit/, chainlit.md and public/ from its app root, by default the working
# directory; pin it to the project so the chat looks the same wherever it is started from.
os.environ.setdefault("CHAINLIT_APP_ROOT", str(Path(__file__).resolve().parent.parent))
