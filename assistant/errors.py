"""What can go wrong at the counter, in the store's words. The REST router maps these to HTTP."""


class StoreError(Exception):
    """A request the store cannot serve; the message is safe to show to a user."""


class FilmNotFound(StoreError):
    def __init__(self, film_id: int):
        super().__init__(f"Film with ID {film_id} not found")


class CustomerNotFound(StoreError):
    def __init__(self, customer_id: int):
        super().__init__(f"Customer with ID {customer_id} not found")


class RentalNotFound(StoreError):
    def __init__(self, rental_id: int):
        super().__init__(f"Rental with ID {rental_id} not found")


class RentalAlreadyReturned(StoreError):
    def __init__(self, rental_id: int):
        super().__init__(f"Rental with ID {rental_id} has already been returned")


class RentalRefused(StoreError):
    """Every reason a rental cannot be made, in the order customer, copy, clerk."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("Rental validation failed: " + "; ".join(reasons))
