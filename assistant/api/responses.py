"""JSON out of the store's records, serialized once by pydantic-core.

Handlers return these Responses instead of the models, so FastAPI does not validate again
what the domain services just built; `response_model` on the route still documents the shape.
"""

from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel


def record(value: BaseModel) -> Response:
    return Response(value.model_dump_json(), media_type="application/json")


def records(values: Sequence[BaseModel]) -> Response:
    body = "[" + ",".join(v.model_dump_json() for v in values) + "]"
    return Response(body, media_type="application/json")
