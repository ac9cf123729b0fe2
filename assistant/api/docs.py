"""The API's description: /docs (Swagger UI) and /redoc served by this server, and an OpenAPI
schema that describes every response.

The pages' scripts and styles come from the `fastapi-offline` package, which ships them and
serves them under /static-offline-docs: the docs never load anything from another host.
"""

from copy import deepcopy
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from assistant.api.problems import ServerError

CORRELATION_HEADER = {
    "description": "The request's id in the logs: the caller's own when well formed "
                   "(8 to 64 letters, digits, `-` or `_`), else a new one",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
}
SERVER_ERROR = {
    "description": "Unexpected error; the details are in the logs under the correlation id",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ServerError"}}},
}


def documented_app(**kwargs: Any) -> FastAPI:
    """A FastAPI app with offline /docs and /redoc and the whole-schema additions below. Swagger
    UI's online validator badge is off: it would send the schema's address to swagger.io."""
    kwargs.setdefault("swagger_ui_parameters", {"validatorUrl": None})
    app = FastAPIOffline(**kwargs)
    describe_every_response(app)
    return app


def describe_every_response(app: FastAPI) -> None:
    """Add to the generated schema what every route can answer: the correlation id header on
    every response (the middleware sets it) and the last-resort 500."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {})["ServerError"] = ServerError.model_json_schema()
            components.setdefault("headers", {})["X-Correlation-ID"] = CORRELATION_HEADER
            header_ref = {"$ref": "#/components/headers/X-Correlation-ID"}
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    responses = operation.setdefault("responses", {})
                    responses.setdefault("500", deepcopy(SERVER_ERROR))
                    for response in responses.values():
                        response.setdefault("headers", {})["X-Correlation-ID"] = header_ref
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
