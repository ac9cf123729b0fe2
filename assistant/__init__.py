"""Pagila Assistant: a conversational front desk for a DVD-rental store."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pagila-assistant")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
