"""Shared by the tests: the package from this tree first, secrets as the store answers them, and
a fake Lambda client that records calls and answers from a script."""

from __future__ import annotations

import io
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Union

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

VALUE = "sk-test-do-not-show-4f1c"


def secret_json(name: str = "apiKey", value: Any = VALUE, **fields: Any) -> Dict[str, Any]:
    """A Secret with its value, as docs/API.md shows it."""
    secret: Dict[str, Any] = {
        "id": "01JD8Z7Q2M5K3V9X4T6B8N0C1R",
        "name": name,
        "description": "OpenAI key for the support bot",
        "version": "1.0.0",
        "annotations": {"owner": "platform-team"},
        "tags": ["prod", "openai"],
        "createdAt": "2026-11-27T10:00:00.000Z",
        "updatedAt": "2026-11-27T10:00:00.000Z",
        "lastAccessed": None,
        "expiresAt": None,
        "expired": False,
        "revision": 1,
        "visibility": "private",
        "owner": "alice",
        "value": value,
    }
    secret.update(fields)
    return secret


def answer(body: Any, function_error: Optional[str] = None) -> Dict[str, Any]:
    """An Invoke response as boto3 returns it: the payload a stream to read."""
    response: Dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(body).encode("utf-8"))}
    if function_error:
        response["FunctionError"] = function_error
    return response


def failure(code: str, message: str = "No secret named 'apiKey'.") -> Dict[str, Any]:
    """A function error as Lambda answers it."""
    return answer({"errorType": code, "errorMessage": message}, "Unhandled")


Step = Union[Dict[str, Any], BaseException, Callable[[Dict[str, Any]], Dict[str, Any]]]


class FakeLambda:
    """Answers each invoke with the next step: a response, an exception to raise, or a function of the call."""

    def __init__(self, *steps: Step, repeat: Optional[Step] = None) -> None:
        self.steps: List[Step] = list(steps)
        self.repeat = repeat
        self.calls: List[Dict[str, Any]] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> Dict[str, Any]:
        call = {"FunctionName": FunctionName, "Payload": json.loads(Payload)}
        self.calls.append(call)
        if self.steps:
            step = self.steps.pop(0)
        elif self.repeat is not None:
            step = self.repeat
        else:
            raise AssertionError(f"unexpected invoke: {call}")
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            return step(call)
        return step


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
