"""What guards every request to the playground's server (an ASGI middleware, :class:`Guard`).

- **Host header**: only the names this server is reached by (the loopback names, and in a
  classroom the machine's addresses and names): a page of another site whose name was made to
  point at this machine (DNS rebinding) is refused.
- **Token** (a server bound to a non-loopback address): every request carries the class's token,
  in the URL (``?token=...``, as the printed address and its QR code give it) or in the cookie
  the page's first answer sets; without it, a short page in both languages says where to find
  the address. The teacher's pages need the teacher's own token.
- **Headers** on every response: a Content-Security-Policy that allows only the page's own
  scripts and styles and the WebSocket to this server, no framing (``frame-ancestors 'none'``),
  ``nosniff``, no referrer.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
COOKIE = "flambeau_playground"


def refusal_page(english: str, french: str) -> str:
    """The short page a refused request (or a missing page) gets, in both languages (the server
    cannot know the reader's: no page of its own has run yet)."""
    return ('<!doctype html><html><head><meta charset="utf-8"><title>flambeau playground</title></head>'
            f'<body><h1>flambeau playground</h1><p lang="en">{english}</p><p lang="fr">{french}</p></body></html>')


_NO_TOKEN_PAGE = refusal_page(
    "This playground needs its full address, with its token: open the address (or scan the QR code) your "
    "teacher gives.",
    "Ce bac à sable a besoin de son adresse complète, avec son jeton : ouvrez l'adresse (ou scannez le code QR) "
    "que donne votre enseignant.")
_UNKNOWN_HOST_PAGE = refusal_page(
    "This playground answers to its own address only: open the address (or scan the QR code) your teacher "
    "gives, as it is written.",
    "Ce bac à sable ne répond qu'à sa propre adresse : ouvrez l'adresse (ou scannez le code QR) que donne "
    "votre enseignant, telle qu'elle est écrite.")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def new_token() -> str:
    return secrets.token_urlsafe(12)


def machine_names(host: str) -> set[str]:
    """The names a server bound to ``host`` can be reached by: the loopback names, ``host``
    itself, and for ``0.0.0.0`` / ``::`` the machine's name and addresses."""
    names = set(LOOPBACK_NAMES) | {host.lower()}
    if host in ("0.0.0.0", "::", ""):
        hostname = socket.gethostname()
        names |= {hostname.lower(), f"{hostname.lower()}.local"}
        try:
            names |= {info[4][0] for info in socket.getaddrinfo(hostname, None)}
        except OSError:
            pass
        names |= set(local_addresses())
    return names


def local_addresses() -> list[str]:
    """This machine's address on the local network (the one a student's phone reaches), found by
    opening (not sending on) a UDP socket; none when offline."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet leaves: it only picks the route
            found.append(s.getsockname()[0])
        except OSError:
            pass
    return [a for a in found if not a.startswith("127.")]


def host_name(host_header: str) -> str:
    """``Host`` without its port, lower case (``[::1]:8000`` -> ``::1``)."""
    text = host_header.strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def content_security_policy(host_header: str) -> str:
    socket_origins = f"ws://{host_header} wss://{host_header}" if host_header else ""
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            f"connect-src 'self' {socket_origins}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class Guard:
    """The ASGI middleware described in the module's docstring.

    Args:
        app: the application it guards.
        allowed_hosts: the names of the ``Host`` header accepted (without ports).
        token: the students' token (None: none needed, a loopback server).
        teacher_token: the token of the teacher's pages (``/teacher``, ``/api/teacher/...``).
    """

    def __init__(self, app: Any, allowed_hosts: Iterable[str], token: str | None = None,
                 teacher_token: str | None = None) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.token = token
        self.teacher_token = teacher_token

    def _headers(self, scope: dict) -> dict[str, str]:
        return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}

    def _given_token(self, scope: dict, headers: dict[str, str]) -> tuple[str | None, bool]:
        """(the token of the request, whether it came in the URL)."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header: as if none
            return None, False
        return (cookie[COOKIE].value if COOKIE in cookie else None), False

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = self._headers(scope)
        host = headers.get("host", "")
        if host_name(host) not in self.allowed_hosts:
            await self._refuse(scope, receive, send, 400, _UNKNOWN_HOST_PAGE, html=True)
            return
        path = scope.get("path", "")
        given, in_url = self._given_token(scope, headers)
        teacher = path == "/teacher" or path.startswith("/api/teacher")
        if teacher and self.teacher_token is not None:
            if given is None or not secrets.compare_digest(given, self.teacher_token):
                await self._refuse(scope, receive, send, 403, _NO_TOKEN_PAGE, html=True)
                return
        elif self.token is not None and not teacher:
            if given is None or not (secrets.compare_digest(given, self.token)
                                     or (self.teacher_token and secrets.compare_digest(given, self.teacher_token))):
                await self._refuse(scope, receive, send, 403, _NO_TOKEN_PAGE, html=True)
                return
        extra = {
            "content-security-policy": content_security_policy(host),
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "no-referrer",
        }
        if in_url and (self.token if not teacher else self.teacher_token) is not None:
            # the page's scripts and its WebSocket carry no query: the cookie takes the token there
            # (the teacher's token opens the students' pages too, and the teacher page's scripts)
            extra["set-cookie"] = f"{COOKIE}={given}; Path=/; HttpOnly; SameSite=Strict"

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message, headers=list(message.get("headers", [])) + [
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items() if k.encode() not in present])
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)

    async def _refuse(self, scope: dict, receive: Any, send: Any, status: int, text: str, html: bool = False) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = text.encode("utf-8")
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"text/html; charset=utf-8" if html else b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
            (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY")]})
        await send({"type": "http.response.body", "body": body})
