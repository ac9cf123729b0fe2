"""Film endpoints over the official Pagila data."""

import pytest

FILM_FIELDS = {
    "film_id", "title", "description", "release_year", "rental_duration", "rental_rate",
    "length", "rating", "streaming_available", "last_update",
}


def test_film_list_is_the_first_page_by_title(client, sql):
    body = client.get("/api/v1/films").json()
    assert body["total"] == sql("SELECT count(*) FROM film")[0][0] >= 1000
    assert (body["skip"], body["limit"]) == (0, 10)
    titles = [film["title"] for film in body["films"]]
    assert titles == [r[0] for r in sql("SELECT title FROM film ORDER BY title, film_id LIMIT 10")]
    assert titles[0] == "ACADEMY DINOSAUR"
    film = body["films"][0]
    assert film.keys() >= FILM_FIELDS
    assert film["rental_rate"] == "0.99"
    assert film["category"] == "Documentary"
    assert film["language"] == "English"
    assert film["last_update"].endswith(("Z", "+00:00"))


def test_film_list_paginates(client):
    page = client.get("/api/v1/films", params={"skip": 995, "limit": 100}).json()
    assert len(page["films"]) == page["total"] - 995
    beyond = client.get("/api/v1/films", params={"skip": 5000}).json()
    assert beyond["films"] == [] and beyond["total"] == page["total"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"skip": -1}, {"limit": "x"}])
def test_film_list_refuses_bad_pagination(client, params):
    response = client.get("/api/v1/films", params=params)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_films_per_category_match_sql(client, sql):
    counts = sql("""
        SELECT c.name, count(*) FROM category c JOIN film_category fc USING (category_id)
        GROUP BY c.name
    """)
    assert len(counts) == 16
    for name, count in counts:
        body = client.get("/api/v1/films", params={"category": name.upper(), "limit": 100}).json()
        assert body["total"] == count, name
        assert {film["category"] for film in body["films"]} == {name}


def test_unknown_category_is_an_empty_list(client):
    body = client.get("/api/v1/films", params={"category": "Westerns"}).json()
    assert body == {"films": [], "total": 0, "skip": 0, "limit": 10}


def test_film_by_id(client):
    film = client.get("/api/v1/films/1").json()
    assert film["title"] == "ACADEMY DINOSAUR"
    assert film["rating"] == "PG"
    assert film["rental_rate"] == "0.99"
    assert film["replacement_cost"] == "20.99"
    assert "Deleted Scenes" in film["special_features"]


@pytest.mark.parametrize("film_id", [0, -5])
def test_film_id_must_be_positive(client, film_id):
    response = client.get(f"/api/v1/films/{film_id}")
    assert response.status_code == 400
    assert response.json() == {"detail": "Film ID must be positive"}


def test_unknown_film_is_404(client):
    response = client.get("/api/v1/films/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Film with ID 999999 not found"}


@pytest.mark.parametrize("film_id", ["abc", "1.5"])
def test_film_id_must_be_an_integer(client, film_id):
    assert client.get(f"/api/v1/films/{film_id}").status_code == 422


def test_a_film_with_null_columns_is_served(client, sql):
    film_id = sql("""
        INSERT INTO film (title, language_id, description, release_year, length, rating,
                          special_features)
        VALUES ('ZZ NULL TEST', 1, NULL, NULL, NULL, NULL, NULL) RETURNING film_id
    """)[0][0]
    try:
        response = client.get(f"/api/v1/films/{film_id}")
        assert response.status_code == 200
        film = response.json()
        assert film["description"] is None and film["rating"] is None
        assert film["release_year"] is None and film["length"] is None
        assert film["special_features"] is None and film["category"] is None
    finally:
        sql("DELETE FROM film WHERE film_id = :id", id=film_id)


def test_title_search_finds_alien_center(client):
    body = client.get("/api/v1/films/search/title", params={"q": "ALIEN"}).json()
    found = {film["title"]: film for film in body["films"]}
    assert "ALIEN CENTER" in found
    assert found["ALIEN CENTER"]["rental_rate"] == "2.99"
    assert body["total"] == len(body["films"])


def test_title_search_is_case_insensitive_and_literal(client):
    upper = client.get("/api/v1/films/search/title", params={"q": "ALIEN"}).json()
    lower = client.get("/api/v1/films/search/title", params={"q": "alien"}).json()
    assert upper == lower
    assert client.get("/api/v1/films/search/title", params={"q": "%%"}).json()["total"] == 0
    assert client.get("/api/v1/films/search/title", params={"q": "__"}).json()["total"] == 0


@pytest.mark.parametrize(("params", "status"), [({}, 422), ({"q": "a"}, 422), ({"q": " a "}, 400)])
def test_title_search_needs_two_characters(client, params, status):
    response = client.get("/api/v1/films/search/title", params=params)
    assert response.status_code == status
    if status == 400:
        assert "at least 2 characters" in response.json()["detail"]


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v1/films/search/title", {"q": "ALIEN\x00"}),
    ("/api/v1/films", {"category": "Horror\x00"}),
])
def test_a_nul_character_matches_nothing(client, path, params):
    # PostgreSQL text cannot hold a NUL: the query would fail (a 500) if it were sent
    response = client.get(path, params={**params, "limit": 5})
    assert response.status_code == 200
    assert response.json() == {"films": [], "total": 0, "skip": 0, "limit": 5}


def test_streaming_lists_only_streaming_films(client, sql):
    assert client.get("/api/v1/films/streaming/available").json()["total"] == 0
    sql("UPDATE film SET streaming_available = true WHERE film_id IN (2, 3)")
    try:
        body = client.get("/api/v1/films/streaming/available").json()
        assert body["total"] == 2
        assert [f["film_id"] for f in body["films"]] == [2, 3]  # ACE GOLDFINGER, ADAPTATION HOLES
        assert all(f["streaming_available"] for f in body["films"])
    finally:
        sql("UPDATE film SET streaming_available = false WHERE film_id IN (2, 3)")
