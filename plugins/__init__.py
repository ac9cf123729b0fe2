"""Semantic Kernel plugins: thin wrappers over the store's domain services, for the model."""

from plugins.customers import CustomersPlugin
from plugins.films import FilmsPlugin
from plugins.rentals import RentalsPlugin
from plugins.stats import StatsPlugin

__all__ = ["CustomersPlugin", "FilmsPlugin", "RentalsPlugin", "StatsPlugin"]
