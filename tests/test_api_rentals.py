"""Customer rentals, active rentals, renting and returning, over the official Pagila data."""

import pytest

RENTAL_FIELDS = {
    "rental_id", "rental_date", "inventory_id", "customer_id", "return_date", "staff_id",
    "last_update",
}


@pytest.fixture
def free_copy(sql):
    """A copy on the shelf (no open rental), for tests that rent."""
    def pick(store_id: int = 1) -> int:
        return sql("""
            SELECT i.inventory_id FROM inventory i WHERE i.store_id = :store AND NOT EXISTS (
                SELECT 1 FROM rental r WHERE r.inventory_id = i.inventory_id
                AND r.return_date IS NULL)
            ORDER BY random() LIMIT 1
        """, store=store_id)[0][0]
    return pick


def newest_first(rentals):
    keys = [(r["rental_date"], r["rental_id"]) for r in rentals]
    return keys == sorted(keys, reverse=True)


def test_customer_history_is_newest_first(client, sql):
    rentals = client.get("/api/v1/customers/148/rentals", params={"limit": 100}).json()
    expected = sql("""
        SELECT rental_id FROM rental WHERE customer_id = 148
        ORDER BY rental_date DESC, rental_id DESC LIMIT 100
    """)
    assert [r["rental_id"] for r in rentals] == [row[0] for row in expected]
    assert len(rentals) >= 46
    assert set(rentals[0]) == RENTAL_FIELDS
    assert newest_first(rentals)


def test_customer_history_paginates(client):
    everything = client.get("/api/v1/customers/148/rentals", params={"limit": 20}).json()
    page = client.get("/api/v1/customers/148/rentals", params={"skip": 5, "limit": 5}).json()
    assert page == everything[5:10]


def test_unknown_customer_has_no_rentals(client):
    response = client.get("/api/v1/customers/999999/rentals")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("customer_id", ["0", "-3", "abc"])
def test_customer_id_must_be_a_positive_integer(client, customer_id):
    assert client.get(f"/api/v1/customers/{customer_id}/rentals").status_code == 422


def test_active_rentals_are_open_and_newest_first(client, sql):
    rentals = client.get("/api/v1/rentals/active", params={"limit": 100}).json()
    assert len(rentals) == 100
    assert all(r["return_date"] is None for r in rentals)
    assert newest_first(rentals)
    open_count = sql("SELECT count(*) FROM rental WHERE return_date IS NULL")[0][0]
    assert open_count >= 100  # 183 in the dump, fewer once other tests return some


def test_active_rentals_of_one_customer(client, sql):
    customer_id = sql("SELECT customer_id FROM rental WHERE return_date IS NULL LIMIT 1")[0][0]
    rentals = client.get("/api/v1/rentals/active", params={"customer_id": customer_id}).json()
    assert rentals and {r["customer_id"] for r in rentals} == {customer_id}


@pytest.mark.parametrize("customer_id", [0, -1])
def test_active_rentals_customer_id_must_be_positive(client, customer_id):
    response = client.get("/api/v1/rentals/active", params={"customer_id": customer_id})
    assert response.status_code == 400
    assert response.json() == {"detail": "Customer ID must be positive"}


def test_rental_by_id(client):
    rental = client.get("/api/v1/rentals/1").json()
    assert rental["rental_id"] == 1
    assert rental["inventory_id"] == 367 and rental["customer_id"] == 130
    assert rental["rental_date"] == "2022-05-24T21:53:30Z"  # 22:53:30+01 in the dump


def test_unknown_rental_is_404(client):
    response = client.get("/api/v1/rentals/99999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Rental with ID 99999999 not found"}


@pytest.mark.parametrize("rental_id", ["0", "-1", "x"])
def test_rental_id_must_be_a_positive_integer(client, rental_id):
    assert client.get(f"/api/v1/rentals/{rental_id}").status_code == 422


def test_renting_a_copy_on_the_shelf(client, admin_headers, sql, free_copy):
    copy = free_copy()
    response = client.post(
        "/api/v1/customers/1/rentals", json={"inventory_id": copy, "staff_id": 1},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    rental = response.json()
    assert set(rental) == RENTAL_FIELDS
    assert (rental["customer_id"], rental["inventory_id"], rental["staff_id"]) == (1, copy, 1)
    assert rental["return_date"] is None
    stored = sql("SELECT customer_id, return_date FROM rental WHERE rental_id = :id",
                 id=rental["rental_id"])
    assert stored == [(1, None)]


def test_an_open_rentals_copy_cannot_be_rented(client, admin_headers, sql):
    copy = sql("SELECT inventory_id FROM rental WHERE return_date IS NULL LIMIT 1")[0][0]
    response = client.post(
        "/api/v1/customers/1/rentals", json={"inventory_id": copy, "staff_id": 1},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": f"Rental validation failed: Inventory item with ID {copy} is already rented out"
    }


def test_every_failing_reason_is_reported_in_order(client, admin_headers):
    response = client.post(
        "/api/v1/customers/999999/rentals", json={"inventory_id": 999999, "staff_id": 99},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Rental validation failed: Customer with ID 999999 not found; "
        "Inventory item with ID 999999 not found; Staff member with ID 99 not found"
    )


def test_inactive_customer_and_clerk_are_refused(client, admin_headers, sql, free_copy):
    copy = free_copy()
    sql("UPDATE customer SET activebool = false WHERE customer_id = 2")
    sql("UPDATE staff SET active = false WHERE staff_id = 2")
    try:
        response = client.post(
            "/api/v1/customers/2/rentals", json={"inventory_id": copy, "staff_id": 2},
            headers=admin_headers,
        )
    finally:
        sql("UPDATE customer SET activebool = true WHERE customer_id = 2")
        sql("UPDATE staff SET active = true WHERE staff_id = 2")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Rental validation failed: Customer with ID 2 is not active; "
        "Staff member with ID 2 is not active"
    )
    assert sql("SELECT count(*) FROM rental WHERE inventory_id = :i AND return_date IS NULL",
               i=copy) == [(0,)]


@pytest.mark.parametrize(
    "body",
    [{}, {"inventory_id": 0, "staff_id": 1}, {"inventory_id": 1, "staff_id": -1},
     {"inventory_id": "x", "staff_id": 1}, {"inventory_id": 2**40, "staff_id": 1}],
)
def test_rental_body_is_validated(client, admin_headers, body):
    response = client.post("/api/v1/customers/1/rentals", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_malformed_json_is_422(client, admin_headers):
    response = client.post(
        "/api/v1/customers/1/rentals", content=b"{nope",
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert response.status_code == 422


def test_writes_need_the_token(client, free_copy):
    copy = free_copy()
    for headers in ({}, {"Authorization": "Bearer nope"}):
        assert client.post("/api/v1/customers/1/rentals", headers=headers,
                           json={"inventory_id": copy, "staff_id": 1}).status_code == 401
        assert client.put("/api/v1/rentals/1/return", headers=headers).status_code == 401


def test_return_sets_the_date_once(client, admin_headers, free_copy):
    rental = client.post(
        "/api/v1/customers/3/rentals", json={"inventory_id": free_copy(2), "staff_id": 2},
        headers=admin_headers,
    ).json()
    first = client.put(f"/api/v1/rentals/{rental['rental_id']}/return", headers=admin_headers)
    assert first.status_code == 200
    returned = first.json()
    assert set(returned) == RENTAL_FIELDS
    assert returned["return_date"] is not None
    second = client.put(f"/api/v1/rentals/{rental['rental_id']}/return", headers=admin_headers)
    assert second.status_code == 400
    assert second.json() == {
        "detail": f"Rental with ID {rental['rental_id']} has already been returned"
    }


def test_returning_an_unknown_rental_is_404(client, admin_headers):
    response = client.put("/api/v1/rentals/99999999/return", headers=admin_headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Rental with ID 99999999 not found"}


def test_a_returned_copy_can_be_rented_again(client, admin_headers, free_copy):
    copy = free_copy()
    body = {"inventory_id": copy, "staff_id": 1}
    rental = client.post("/api/v1/customers/4/rentals", json=body, headers=admin_headers).json()
    client.put(f"/api/v1/rentals/{rental['rental_id']}/return", headers=admin_headers)
    again = client.post("/api/v1/customers/5/rentals", json=body, headers=admin_headers)
    assert again.status_code == 200


def test_a_rental_is_committed_before_it_is_acknowledged(client, admin_headers, sql, free_copy):
    """A failure at COMMIT (here a deferred trigger) must reach the client, never a 200."""
    sql("CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$")
    sql("CREATE CONSTRAINT TRIGGER refuse_customer_7 AFTER INSERT ON rental "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.customer_id = 7) "
        "EXECUTE FUNCTION refuse_at_commit()")
    copy = free_copy()
    try:
        response = client.post("/api/v1/customers/7/rentals", headers=admin_headers,
                               json={"inventory_id": copy, "staff_id": 1})
    finally:
        sql("DROP TRIGGER refuse_customer_7 ON rental")
        sql("DROP FUNCTION refuse_at_commit()")
    assert response.status_code == 500
    assert response.json()["detail"] == "Internal server error"
    assert sql("SELECT count(*) FROM rental WHERE inventory_id = :i AND return_date IS NULL",
               i=copy) == [(0,)]
