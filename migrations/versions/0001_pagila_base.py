"""Pagila base: the official Pagila schema (tables, keys, indexes, triggers, functions), own DDL.

A database that already holds the official Pagila schema is stamped at this revision instead of
running it (assistant.migrate.upgrade), so this file must produce the same tables, columns, types,
defaults, keys and indexes as the official dump. Deliberate differences:

- `payment` is one plain table (official: partitioned by month, with the keys on each partition);
  it gets a primary key on payment_id and the partitions' foreign keys and indexes.
- get_customer_balance() computes late fees in whole days: the official body calls IF(), which
  does not exist in PostgreSQL, so the official function fails whenever it is called.
- Left out: the unused domain "bıgınt", rewards_report(), and the views other than
  film_list, customer_list and staff_list.

Revision ID: 0001_pagila_base
Revises:
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001_pagila_base"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table with a `last_update` column; each gets the `last_updated` BEFORE UPDATE trigger.
LAST_UPDATE_TABLES = (
    "actor", "address", "category", "city", "country", "customer", "film",
    "film_actor", "film_category", "inventory", "language", "rental", "staff", "store",
)  # fmt: skip

# Official Pagila creates its sequences separately (not OWNED BY the column); mirror that.
SEQUENCES = (
    "actor_actor_id_seq", "address_address_id_seq", "category_category_id_seq",
    "city_city_id_seq", "country_country_id_seq", "customer_customer_id_seq",
    "film_film_id_seq", "inventory_inventory_id_seq", "language_language_id_seq",
    "payment_payment_id_seq", "rental_rental_id_seq", "staff_staff_id_seq", "store_store_id_seq",
)  # fmt: skip

TYPES = """
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');

CREATE DOMAIN year AS integer
    CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
"""

HELPER_FUNCTIONS = r"""
CREATE FUNCTION last_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$;

CREATE FUNCTION _group_concat(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT CASE
    WHEN $2 IS NULL THEN $1
    WHEN $1 IS NULL THEN $2
    ELSE $1 || ', ' || $2
END
$$;

CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);

-- Last day of the month of the given moment.
CREATE FUNCTION last_day(timestamp with time zone) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT
    AS $$
SELECT (date_trunc('month', $1) + interval '1 month' - interval '1 day')::date
$$;
"""

# Tables in foreign-key order. store has no FK to staff (official Pagila neither): staff.store_id
# references store, and store.manager_staff_id is only kept unique (idx_unq_manager_staff_id).
TABLES = """
CREATE TABLE country (
    country_id integer DEFAULT nextval('country_country_id_seq'::regclass) NOT NULL,
    country text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT country_pkey PRIMARY KEY (country_id)
);

CREATE TABLE city (
    city_id integer DEFAULT nextval('city_city_id_seq'::regclass) NOT NULL,
    city text NOT NULL,
    country_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT city_pkey PRIMARY KEY (city_id),
    CONSTRAINT city_country_id_fkey FOREIGN KEY (country_id) REFERENCES country (country_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE address (
    address_id integer DEFAULT nextval('address_address_id_seq'::regclass) NOT NULL,
    address text NOT NULL,
    address2 text,
    district text NOT NULL,
    city_id integer NOT NULL,
    postal_code text,
    phone text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT address_pkey PRIMARY KEY (address_id),
    CONSTRAINT address_city_id_fkey FOREIGN KEY (city_id) REFERENCES city (city_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE language (
    language_id integer DEFAULT nextval('language_language_id_seq'::regclass) NOT NULL,
    name character(20) NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT language_pkey PRIMARY KEY (language_id)
);

CREATE TABLE category (
    category_id integer DEFAULT nextval('category_category_id_seq'::regclass) NOT NULL,
    name text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT category_pkey PRIMARY KEY (category_id)
);

CREATE TABLE actor (
    actor_id integer DEFAULT nextval('actor_actor_id_seq'::regclass) NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT actor_pkey PRIMARY KEY (actor_id)
);

CREATE TABLE store (
    store_id integer DEFAULT nextval('store_store_id_seq'::regclass) NOT NULL,
    manager_staff_id integer NOT NULL,
    address_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT store_pkey PRIMARY KEY (store_id),
    CONSTRAINT store_address_id_fkey FOREIGN KEY (address_id) REFERENCES address (address_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE staff (
    staff_id integer DEFAULT nextval('staff_staff_id_seq'::regclass) NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    address_id integer NOT NULL,
    email text,
    store_id integer NOT NULL,
    active boolean DEFAULT true NOT NULL,
    username text NOT NULL,
    password text,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    picture bytea,
    CONSTRAINT staff_pkey PRIMARY KEY (staff_id),
    CONSTRAINT staff_address_id_fkey FOREIGN KEY (address_id) REFERENCES address (address_id)
        ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT staff_store_id_fkey FOREIGN KEY (store_id) REFERENCES store (store_id)
);

-- last_update is nullable here, unlike the other tables: as in the official schema.
CREATE TABLE customer (
    customer_id integer DEFAULT nextval('customer_customer_id_seq'::regclass) NOT NULL,
    store_id integer NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text,
    address_id integer NOT NULL,
    activebool boolean DEFAULT true NOT NULL,
    create_date date DEFAULT CURRENT_DATE NOT NULL,
    last_update timestamp with time zone DEFAULT now(),
    active integer,
    CONSTRAINT customer_pkey PRIMARY KEY (customer_id),
    CONSTRAINT customer_address_id_fkey FOREIGN KEY (address_id) REFERENCES address (address_id)
        ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT customer_store_id_fkey FOREIGN KEY (store_id) REFERENCES store (store_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

-- fulltext is NOT NULL without a default: film_fulltext_trigger fills it before every write.
CREATE TABLE film (
    film_id integer DEFAULT nextval('film_film_id_seq'::regclass) NOT NULL,
    title text NOT NULL,
    description text,
    release_year year,
    language_id integer NOT NULL,
    original_language_id integer,
    rental_duration smallint DEFAULT 3 NOT NULL,
    rental_rate numeric(4,2) DEFAULT 4.99 NOT NULL,
    length smallint,
    replacement_cost numeric(5,2) DEFAULT 19.99 NOT NULL,
    rating mpaa_rating DEFAULT 'G'::mpaa_rating,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    special_features text[],
    fulltext tsvector NOT NULL,
    CONSTRAINT film_pkey PRIMARY KEY (film_id),
    CONSTRAINT film_language_id_fkey FOREIGN KEY (language_id)
        REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT film_original_language_id_fkey FOREIGN KEY (original_language_id)
        REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE film_actor (
    actor_id integer NOT NULL,
    film_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT film_actor_pkey PRIMARY KEY (actor_id, film_id),
    CONSTRAINT film_actor_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES actor (actor_id)
        ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT film_actor_film_id_fkey FOREIGN KEY (film_id) REFERENCES film (film_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE film_category (
    film_id integer NOT NULL,
    category_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT film_category_pkey PRIMARY KEY (film_id, category_id),
    CONSTRAINT film_category_category_id_fkey FOREIGN KEY (category_id)
        REFERENCES category (category_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT film_category_film_id_fkey FOREIGN KEY (film_id) REFERENCES film (film_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE inventory (
    inventory_id integer DEFAULT nextval('inventory_inventory_id_seq'::regclass) NOT NULL,
    film_id integer NOT NULL,
    store_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT inventory_pkey PRIMARY KEY (inventory_id),
    CONSTRAINT inventory_film_id_fkey FOREIGN KEY (film_id) REFERENCES film (film_id)
        ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT inventory_store_id_fkey FOREIGN KEY (store_id) REFERENCES store (store_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

CREATE TABLE rental (
    rental_id integer DEFAULT nextval('rental_rental_id_seq'::regclass) NOT NULL,
    rental_date timestamp with time zone NOT NULL,
    inventory_id integer NOT NULL,
    customer_id integer NOT NULL,
    return_date timestamp with time zone,
    staff_id integer NOT NULL,
    last_update timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rental_pkey PRIMARY KEY (rental_id),
    CONSTRAINT rental_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customer (customer_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT rental_inventory_id_fkey FOREIGN KEY (inventory_id)
        REFERENCES inventory (inventory_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT rental_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff (staff_id)
        ON UPDATE CASCADE ON DELETE RESTRICT
);

-- Official: partitioned by month with no primary key (a partitioned PK must include
-- payment_date). One plain table holds every month here; its keys are those of the partitions.
CREATE TABLE payment (
    payment_id integer DEFAULT nextval('payment_payment_id_seq'::regclass) NOT NULL,
    customer_id integer NOT NULL,
    staff_id integer NOT NULL,
    rental_id integer NOT NULL,
    amount numeric(5,2) NOT NULL,
    payment_date timestamp with time zone NOT NULL,
    CONSTRAINT payment_pkey PRIMARY KEY (payment_id),
    CONSTRAINT payment_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES customer (customer_id),
    CONSTRAINT payment_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental (rental_id),
    CONSTRAINT payment_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff (staff_id)
);
"""

INDEXES = """
CREATE INDEX film_fulltext_idx ON film USING gist (fulltext);
CREATE INDEX idx_actor_last_name ON actor (last_name);
CREATE INDEX idx_fk_address_id ON customer (address_id);
CREATE INDEX idx_fk_city_id ON address (city_id);
CREATE INDEX idx_fk_country_id ON city (country_id);
CREATE INDEX idx_fk_film_id ON film_actor (film_id);
CREATE INDEX idx_fk_inventory_id ON rental (inventory_id);
CREATE INDEX idx_fk_language_id ON film (language_id);
CREATE INDEX idx_fk_original_language_id ON film (original_language_id);
CREATE INDEX idx_fk_store_id ON customer (store_id);
CREATE INDEX idx_last_name ON customer (last_name);
CREATE INDEX idx_store_id_film_id ON inventory (store_id, film_id);
CREATE INDEX idx_title ON film (title);
CREATE UNIQUE INDEX idx_unq_manager_staff_id ON store (manager_staff_id);
CREATE UNIQUE INDEX idx_unq_rental_rental_date_inventory_id_customer_id
    ON rental (rental_date, inventory_id, customer_id);
-- The official partitions index customer_id and staff_id each; the plain table does it once.
CREATE INDEX idx_fk_payment_customer_id ON payment (customer_id);
CREATE INDEX idx_fk_payment_staff_id ON payment (staff_id);
"""

FULLTEXT_TRIGGER = """
CREATE TRIGGER film_fulltext_trigger BEFORE INSERT OR UPDATE ON film
    FOR EACH ROW EXECUTE FUNCTION
    tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title', 'description');
"""

# Created after the tables: SQL-language bodies are checked against them at creation time.
STORE_FUNCTIONS = r"""
-- A copy is in stock when none of its rentals is still out.
CREATE FUNCTION inventory_in_stock(p_inventory_id integer) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    RETURN NOT EXISTS (
        SELECT 1 FROM rental
        WHERE rental.inventory_id = p_inventory_id AND rental.return_date IS NULL
    );
END $$;

CREATE FUNCTION film_in_stock(p_film_id integer, p_store_id integer,
                              OUT p_film_count integer) RETURNS SETOF integer
    LANGUAGE sql
    AS $$
SELECT inventory_id
FROM inventory
WHERE film_id = $1 AND store_id = $2 AND inventory_in_stock(inventory_id);
$$;

CREATE FUNCTION film_not_in_stock(p_film_id integer, p_store_id integer,
                                  OUT p_film_count integer) RETURNS SETOF integer
    LANGUAGE sql
    AS $$
SELECT inventory_id
FROM inventory
WHERE film_id = $1 AND store_id = $2 AND NOT inventory_in_stock(inventory_id);
$$;

CREATE FUNCTION inventory_held_by_customer(p_inventory_id integer) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_customer_id integer;
BEGIN
    SELECT customer_id INTO v_customer_id
    FROM rental
    WHERE return_date IS NULL AND inventory_id = p_inventory_id;
    RETURN v_customer_id;
END $$;

-- Balance at a date: rental fees, plus one dollar per day a returned rental was kept past its
-- rental_duration, minus the payments made. (Official Pagila's body calls IF(), which does not
-- exist in PostgreSQL; this is the arithmetic it meant.)
CREATE FUNCTION get_customer_balance(p_customer_id integer,
                                     p_effective_date timestamp with time zone) RETURNS numeric
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_rentfees numeric(7,2);
    v_overfees integer;
    v_payments numeric(7,2);
BEGIN
    SELECT COALESCE(SUM(film.rental_rate), 0),
           COALESCE(SUM(GREATEST(
               rental.return_date::date - rental.rental_date::date - film.rental_duration, 0)), 0)
      INTO v_rentfees, v_overfees
    FROM rental
    JOIN inventory ON inventory.inventory_id = rental.inventory_id
    JOIN film ON film.film_id = inventory.film_id
    WHERE rental.rental_date <= p_effective_date AND rental.customer_id = p_customer_id;

    SELECT COALESCE(SUM(payment.amount), 0) INTO v_payments
    FROM payment
    WHERE payment.payment_date <= p_effective_date AND payment.customer_id = p_customer_id;

    RETURN v_rentfees + v_overfees - v_payments;
END $$;
"""

VIEWS = """
CREATE VIEW customer_list AS
SELECT cu.customer_id AS id,
       cu.first_name || ' ' || cu.last_name AS name,
       a.address,
       a.postal_code AS "zip code",
       a.phone,
       city.city,
       country.country,
       CASE WHEN cu.activebool THEN 'active' ELSE '' END AS notes,
       cu.store_id AS sid
FROM customer cu
JOIN address a ON cu.address_id = a.address_id
JOIN city ON a.city_id = city.city_id
JOIN country ON city.country_id = country.country_id;

CREATE VIEW staff_list AS
SELECT s.staff_id AS id,
       s.first_name || ' ' || s.last_name AS name,
       a.address,
       a.postal_code AS "zip code",
       a.phone,
       city.city,
       country.country,
       s.store_id AS sid
FROM staff s
JOIN address a ON s.address_id = a.address_id
JOIN city ON a.city_id = city.city_id
JOIN country ON city.country_id = country.country_id;

CREATE VIEW film_list AS
SELECT film.film_id AS fid,
       film.title,
       film.description,
       category.name AS category,
       film.rental_rate AS price,
       film.length,
       film.rating,
       group_concat(actor.first_name || ' ' || actor.last_name) AS actors
FROM category
LEFT JOIN film_category ON category.category_id = film_category.category_id
LEFT JOIN film ON film_category.film_id = film.film_id
JOIN film_actor ON film.film_id = film_actor.film_id
JOIN actor ON film_actor.actor_id = actor.actor_id
GROUP BY film.film_id, film.title, film.description, category.name,
         film.rental_rate, film.length, film.rating;
"""


def upgrade() -> None:
    op.execute(TYPES)
    op.execute(HELPER_FUNCTIONS)
    for sequence in SEQUENCES:
        op.execute(f"CREATE SEQUENCE {sequence}")
    op.execute(TABLES)
    op.execute(INDEXES)
    op.execute(FULLTEXT_TRIGGER)
    for table in LAST_UPDATE_TABLES:
        op.execute(
            f"CREATE TRIGGER last_updated BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION last_updated()"
        )
    op.execute(STORE_FUNCTIONS)
    op.execute(VIEWS)


def downgrade() -> None:
    # No CASCADE: if something else was built on these objects, stop rather than drop it too.
    op.execute("DROP VIEW film_list, staff_list, customer_list")
    op.execute(
        "DROP FUNCTION get_customer_balance(integer, timestamp with time zone), "
        "inventory_held_by_customer(integer), film_not_in_stock(integer, integer), "
        "film_in_stock(integer, integer), inventory_in_stock(integer)"
    )
    # Tables take their indexes, keys and triggers with them.
    op.execute(
        "DROP TABLE payment, rental, inventory, film_category, film_actor, film, customer, "
        "staff, store, actor, category, language, address, city, country"
    )
    op.execute("DROP SEQUENCE " + ", ".join(SEQUENCES))
    op.execute("DROP FUNCTION last_day(timestamp with time zone)")
    op.execute("DROP AGGREGATE group_concat(text)")
    op.execute("DROP FUNCTION _group_concat(text, text), last_updated()")
    op.execute("DROP DOMAIN year")
    op.execute("DROP TYPE mpaa_rating")
