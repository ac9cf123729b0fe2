"""The store functions' results: typed, and sent to the model as the JSON its readers expect.

The offline model and the answers read these keys; a result's type may change, its keys may not.
"""

import json

import pytest
from semantic_kernel.contents import AuthorRole, ChatMessageContent, FunctionResultContent

from assistant.approvals import WriteDesk
from assistant.db import Database
from plugins import CustomersPlugin, FilmsPlugin, RentalsPlugin
from plugins.results import StoreResult


@pytest.fixture
async def plugins(official_url):
    database = Database(official_url, pool_size=2)
    yield (FilmsPlugin(database), CustomersPlugin(database),
           RentalsPlugin(database, staff_id=1, desk=WriteDesk()))
    await database.close()


def sent(result: StoreResult) -> dict:
    """The result as Semantic Kernel puts it in the tool message to the model."""
    item = FunctionResultContent(id="call", name="Store-function", result=result)
    return json.loads(ChatMessageContent(role=AuthorRole.TOOL, items=[item]).to_dict()["content"])


AMBIGUOUS = {"ambiguous", "question", "matches"}


async def test_every_shape_keeps_its_keys(plugins, sql):
    films, customers, rentals = plugins
    (open_rental,), = sql("SELECT min(rental_id) FROM rental WHERE return_date IS NULL")
    cases = [
        (films.film_details(title="", film_id=1), {"film"}),
        (films.film_details(title="ALIEN"), AMBIGUOUS),
        (films.film_details(title="", film_id=99999), {"error"}),
        (films.film_availability(title="", film_id=1), {"film", "stores"}),
        (films.film_availability(title="", film_id=1, store_id=7), {"film", "stores", "note"}),
        (films.film_summary(title="ACE"), AMBIGUOUS),
        (films.film_summary(title="", film_id=1), {"film", "recommended"}),
        (customers.find_customer("MARY SMITH"), {"customer"}),
        (customers.find_customer("willie"), AMBIGUOUS),
        (customers.find_customer("zzqqxx"), {"error"}),
        (customers.customer_rentals(1), {"customer", "open_only", "period", "total", "rentals"}),
        (customers.customer_rentals(99999), {"error"}),
        (rentals.active_rentals(store_id=2, limit=2), {"total", "store_id", "rentals"}),
        (rentals.overdue_rentals(limit=2), {"total", "rentals"}),  # no store: none given
        (rentals.rental_details(open_rental), {"rental"}),
        (rentals.rental_details(99999999), {"error"}),
        (rentals.create_rental(1, 1), {"error"}),  # no clerk's approval: refused
        (rentals.return_rental(open_rental), {"error"}),
    ]
    for call, keys in cases:
        result = await call
        assert isinstance(result, StoreResult)
        assert set(sent(result)) == keys, result


async def test_records_read_as_before(plugins, sql):
    films, customers, rentals = plugins
    (open_rental,), = sql("SELECT min(rental_id) FROM rental WHERE return_date IS NULL")
    film = sent(await films.film_details(title="", film_id=1))["film"]
    assert film["title"] == "ACADEMY DINOSAUR" and film["rental_rate"] == "0.99"
    assert film["recommended"] is False and film["stock"][0].keys() == {
        "store_id", "copies", "in_stock"}
    assert sent(await films.film_summary(title="", film_id=1))["film"]["description"]
    mary = sent(await customers.find_customer("MARY SMITH"))["customer"]
    assert mary == {"customer_id": 1, "name": "MARY SMITH", "store_id": 1, "active": True,
                    "email": "MARY.SMITH@sakilacustomer.org"}
    out = sent(await rentals.rental_details(open_rental))["rental"]
    assert "returned" not in out and out["days_overdue"] > 0  # still out: no return date
    assert len(out["rented"]) == len(out["due"]) == len("2022-02-14")
    history = sent(await customers.customer_rentals(1))["rentals"]
    assert all(r["returned"] and r["days_overdue"] == 0 for r in history if "returned" in r)
