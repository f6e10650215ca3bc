"""RFC 6901 JSON Pointers: escaping, joining and splitting reference tokens."""
from __future__ import annotations

from typing import TypeAlias

Token: TypeAlias = str | int


def escape(token: Token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: Token) -> str:
    """`join("/paths", "/users", "get")` → `/paths/~1users/get`."""
    return pointer + "".join("/" + escape(t) for t in tokens)


def split(pointer: str) -> list[str]:
    """`/paths/~1users/get` → `["/users", "get"]`; `""` (the whole document) → `[]`."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def is_within(pointer: str, prefix: str) -> bool:
    return pointer == prefix or pointer.startswith(prefix + "/")
