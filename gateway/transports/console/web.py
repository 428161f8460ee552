"""The console's Flask application: login, sessions, CSRF and role checks around the pages of the other modules.

Security rules applied to every request here, once: a page needs a live session (else the login page); every
POST carries the session's CSRF token in the form (else 403, nothing done); an action needs its role (else 403).
Responses forbid framing, sniffing, caching and any script or style not served by the console itself.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

import trust

from ...core.console_settings import ConsoleSettings
from ...core.errors import GatewayError, OperatorUnauthenticated, RequestMalformed
from ...core.ports import Actor, Clock, Role
from ...pipeline.accounts import ConsoleAccounts, account_actor
from ...pipeline.operations import Operations
from .sessions import Session, SessionStore

__all__ = ["ConsoleContext", "context", "create_app", "current_actor", "notify", "requires", "utc_time"]

log = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])

#: Pages anyone may open: the login form and the style sheet.
_OPEN = frozenset({"login", "static"})

#: Largest request body accepted (a certificate or a CRL upload).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ConsoleContext:
    """What the console's pages call: the same operator actions the gRPC Operator service calls."""

    operations: Operations
    """Operator actions (trust, messages, audit)."""
    accounts: ConsoleAccounts
    """Console accounts and login checks."""
    clock: Clock
    """Time for sessions and displays."""
    settings: ConsoleSettings
    """The ``[console]`` table."""


def create_app(context: ConsoleContext) -> Flask:
    """The console as a WSGI application."""
    here = Path(__file__).parent
    app = Flask(__name__, template_folder=str(here / "templates"), static_folder=str(here / "static"))
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES, TEMPLATES_AUTO_RELOAD=False)
    app.extensions["swgw"] = context
    sessions = SessionStore(timedelta(minutes=context.settings.session_minutes))
    app.extensions["swgw.sessions"] = sessions
    # Under TLS the __Host- prefix makes the browser refuse the cookie unless Secure, host-only and Path=/.
    cookie = "__Host-swgw-console" if context.settings.tls else "swgw-console"
    login_cookie = "__Host-swgw-login" if context.settings.tls else "swgw-login"

    def set_cookie(response: BaseResponse, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="Strict",
                            secure=context.settings.tls)

    @app.before_request
    def guard() -> BaseResponse | tuple[str, int] | None:
        g.session = sessions.find(request.cookies.get(cookie), now=context.clock.now())
        g.context = context
        if request.endpoint in _OPEN:
            return None
        if g.session is not None:
            # The role is the account's as stored now, so that a changed or removed account takes effect at once.
            account = context.accounts.find(g.session.account)
            if account is None:
                sessions.close(g.session.token)
                g.session = None
            else:
                g.session = replace(g.session, role=account.role)
        if g.session is None:
            return redirect(url_for("login", next=request.full_path if request.method == "GET" else None))
        if request.method == "POST" and not _csrf_ok(g.session):
            log.warning("console: %s %s refused for %s: CSRF token missing or wrong", request.method, request.path,
                        g.session.account)
            return render_template("error.html", title="Refused",
                                   message="The form did not carry this session's CSRF token; nothing was done. "
                                           "Reload the page and try again."), 403
        return None

    @app.after_request
    def harden(response: BaseResponse) -> BaseResponse:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        if context.settings.tls:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.context_processor
    def page_globals() -> dict[str, Any]:
        session: Session | None = g.get("session")
        return {"session": session, "csrf_token": session.csrf if session else "",
                "notices": sessions.notices(session.token) if session else [],
                "can": lambda role: session is not None and session.role.allows(Role(role))}

    @app.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse | tuple[str, int]:
        target = request.args.get("next") or ""
        # Only a path of this console: an absolute URL here would make the login page an open redirect.
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("overview.dashboard")
        if request.method == "GET":
            # Kept when present: a second tab's login page (or the browser's favicon request, redirected here)
            # must not invalidate the token of a form already shown.
            token = request.cookies.get(login_cookie) or secrets.token_urlsafe(32)
            page = app.make_response(render_template("login.html", login_csrf=token, error=None))
            set_cookie(page, login_cookie, token, 600)
            return page
        # Before a session exists the CSRF token is double-submitted: the cookie (SameSite=Strict, so never sent
        # from another site's form) must equal the form field.
        sent, kept = request.form.get("csrf_token", ""), request.cookies.get(login_cookie, "")
        if not kept or not hmac.compare_digest(sent, kept):
            return render_template("error.html", title="Refused",
                                   message="The login form did not carry its CSRF token; nothing was done."), 403
        try:
            account = context.accounts.authenticate(request.form.get("name", ""), request.form.get("password", ""))
        except OperatorUnauthenticated as e:
            return render_template("login.html", login_csrf=kept, error=e.message), 401
        session = sessions.open(account, now=context.clock.now())
        response = redirect(target)
        set_cookie(response, cookie, session.token, None)
        response.delete_cookie(login_cookie, path="/", secure=context.settings.tls, samesite="Strict")
        return response

    @app.post("/logout")
    def logout() -> BaseResponse:
        sessions.close(g.session.token)
        response = redirect(url_for("login"))
        response.delete_cookie(cookie, path="/", secure=context.settings.tls, samesite="Strict")
        return response

    @app.errorhandler(413)
    def too_large(_: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Too large",
                               message=f"Uploads are limited to {MAX_UPLOAD_BYTES // 1024} KiB."), 413

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Not found", message="There is no such page."), 404

    @app.errorhandler(GatewayError)
    def gateway_error(e: GatewayError) -> tuple[str, int]:
        return render_template("error.html", title=e.code, message=str(e)), 400

    @app.errorhandler(trust.TrustError)
    def trust_error(e: trust.TrustError) -> tuple[str, int]:
        return render_template("error.html", title=e.code, message=f"{e.code}: {e.message}"), 400

    from . import pages_messages, pages_overview, pages_trust

    app.register_blueprint(pages_overview.blueprint)
    app.register_blueprint(pages_messages.blueprint)
    app.register_blueprint(pages_trust.blueprint)
    return app


def _csrf_ok(session: Session) -> bool:
    sent = request.form.get("csrf_token", "")
    return bool(sent) and hmac.compare_digest(sent, session.csrf)


def requires(role: Role) -> Callable[[_F], _F]:
    """Refuse the page with 403 unless the session's role allows ``role`` (checked on GET and POST alike, so the
    confirm page of an action is refused too)."""
    def decorate(view: _F) -> _F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            session: Session = g.session
            if not session.role.allows(role):
                log.warning("console: %s (%s) refused %s %s", session.account, session.role, request.method,
                            request.path)
                return render_template(
                    "error.html", title="Not allowed",
                    message=f"Your role ({session.role}) may not do this; it needs the {role} role."), 403
            return view(*args, **kwargs)
        return cast(_F, checked)
    return decorate


def current_actor() -> Actor:
    """The audit actor of the logged-in account (from the server-side session, never from the request)."""
    session: Session = g.session
    account = context().accounts.find(session.account)
    if account is None:
        raise OperatorUnauthenticated("the account of this session no longer exists")
    return account_actor(account)


def notify(kind: str, text: str) -> None:
    """A notice shown on the next page of this session."""
    sessions: SessionStore = current_app.extensions["swgw.sessions"]
    sessions.notify(g.session.token, kind, text)


def context() -> ConsoleContext:
    """The console's context for the current request."""
    return cast(ConsoleContext, g.context)


def utc_time(value: str | None, field: str) -> datetime | None:
    """A time typed into a form (``datetime-local``, ISO 8601): None when empty; without a zone it is UTC, the zone
    the console shows everywhere. Refused with REQUEST_MALFORMED at ``field`` when it is no time."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RequestMalformed(f"{field} is not a date and time: {value!r}", field_path=field) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
