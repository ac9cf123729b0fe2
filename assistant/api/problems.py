"""What the API answers when it does not serve a request, described for the OpenAPI schema.

The bodies are FastAPI's, as the original API's were: `{"detail": "<text>"}`, and for a request
that fails validation `{"detail": [<field error>, ...]}`. Routers declare the answers they can
give with `responses=`; the answers every route can give (a 500, the correlation id) are added
to the whole schema by `assistant.api.docs`.
"""

import json
import re
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from assistant.security import redacted


class Problem(BaseModel):
    """A request the API does not serve, in one sentence."""

    detail: str = Field(examples=["Film with ID 9999 not found"])


class FieldError(BaseModel):
    """One reason a request failed validation, as FastAPI reports it."""

    model_config = ConfigDict(extra="allow")  # FastAPI adds `input`, `ctx`, ...

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A request that failed validation (a list of field errors), or that the store refused
    (one sentence with every reason)."""

    detail: str | list[FieldError]


class ServerError(BaseModel):
    """An unexpected error: nothing about it but the id to look it up in the logs."""

    detail: str = Field(examples=["Internal server error"])
    correlation_id: str


def problem(status_description: str, *examples: str, model: type[BaseModel] = Problem) -> dict:
    """An entry of `responses=`: the model, what the status means here, and example details."""
    content: dict[str, Any] = {}
    if len(examples) == 1:
        content = {"example": {"detail": examples[0]}}
    elif examples:
        content = {"examples": {f"example {n}": {"value": {"detail": text}}
                                for n, text in enumerate(examples, 1)}}
    entry: dict[str, Any] = {"model": model, "description": status_description}
    if content:
        entry["content"] = {"application/json": content}
    return entry


# FastAPI's answer to a JSON body it cannot decode (not UTF-8); malformed JSON is a 422.
UNREADABLE_BODY = "There was an error parsing the body"

UNAUTHORIZED = {
    401: {
        **problem("Missing, malformed or wrong admin token", "Not authenticated",
                  "Invalid authentication token"),
        "headers": {"WWW-Authenticate": {"description": "Always `Bearer`",
                                         "schema": {"type": "string"}}},
    }
}


class _EscapedJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode()


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, without the admin token in the `input` it echoes (a token pasted into
    the wrong field). An input can also hold a lone surrogate (`"\\ud800"` is valid JSON, but
    no UTF-8), which FastAPI fails to render (a 500): that answer is escaped."""
    detail = redacted(jsonable_encoder(error.errors()), request.app.state.settings)
    try:
        return JSONResponse({"detail": detail}, 422)
    except UnicodeEncodeError:
        return _EscapedJSONResponse({"detail": detail}, 422)


async def method_not_allowed(request: Request, error: HTTPException) -> JSONResponse:
    """405 with an `Allow` header naming every method the schema documents for the path.
    Starlette names only the methods of the first route matching the path, and a path can be
    served by two routes (one public, one for the admin)."""
    path = request.url.path
    methods = {
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if _path_pattern(template).match(path)
        for method in operations
    }
    headers = {"Allow": ", ".join(sorted(methods))} if methods else dict(error.headers or {})
    return JSONResponse({"detail": error.detail}, status_code=405, headers=headers)


@cache
def _path_pattern(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]
