"""The operators' web console: a transport beside the gRPC services, calling the same operator functions.

``ConsoleServer(ConsoleContext(...)).start()`` serves it (``gateway/app.py`` does when ``[console] enabled``);
``create_app`` gives the bare WSGI application (tests). Pages: ``pages_overview`` (dashboard, partners, audit),
``pages_messages`` (message book, timeline, downloads, resend), ``pages_trust`` (certificates and their actions);
``web`` holds the login, session, CSRF and role checks they all pass through.
"""

from __future__ import annotations

from .server import ConsoleServer
from .web import ConsoleContext, create_app

__all__ = ["ConsoleContext", "ConsoleServer", "create_app"]
