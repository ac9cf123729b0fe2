"""A scripted OpenAI-compatible server on loopback: streaming chat completions with tool calls.

The script is a function of the request (messages and offered tools) to a reply: text, tool
calls, or an HTTP error. Every request is recorded so tests can check what the model was sent.
"""

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[tuple[str, dict]] = field(default_factory=list)  # (function name, arguments)
    status: int = 200  # an error status makes the provider fail


Script = Callable[[list[dict], list[str]], Reply]


def _chunk(delta: dict, finish: str | None = None) -> str:
    body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
            "model": "scripted", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n"


def _stream(reply: Reply):
    yield _chunk({"role": "assistant", "content": ""})
    for word in re.findall(r"\S+\s*", reply.text):  # word by word, the exact text
        yield _chunk({"content": word})
    for index, (name, arguments) in enumerate(reply.tool_calls):
        yield _chunk({"tool_calls": [{
            "index": index, "id": f"call_{index}_{name}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }]})
    yield _chunk({}, "tool_calls" if reply.tool_calls else "stop")
    usage = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
             "model": "scripted", "choices": [],
             "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}}
    yield f"data: {json.dumps(usage)}\n\n"
    yield "data: [DONE]\n\n"


class FakeOpenAI:
    def __init__(self, script: Script):
        self.script = script
        self.requests: list[dict] = []
        self.request_bytes: list[int] = []  # the size of each request body as it arrived
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        app = Starlette(routes=[Route("/v1/chat/completions", self.complete, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def complete(self, request: Request):
        body = await request.json()
        self.request_bytes.append(len(await request.body()))
        self.requests.append(body)
        tools = [t["function"]["name"] for t in body.get("tools") or []]
        reply = self.script(body["messages"], tools)
        if reply.status != 200:
            return JSONResponse({"error": {"message": "scripted failure", "type": "server_error"}},
                                status_code=reply.status)
        return StreamingResponse(_stream(reply), media_type="text/event-stream")

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
