"""Composition root: the only package that knows both the adapters and the ports.

``build_app(settings)`` reads the key files, opens the database, imports configured partner anchors and wires
the pipeline, dispatcher, scheduler and servers (:mod:`.wiring`, reading the configuration through
:mod:`.configured`). ``App.start()`` binds the listeners and returns the bound ports; ``App.stop()`` drains and
closes everything (:mod:`.server`).
"""

from .configured import long_term_signatures
from .server import App, create_server
from .wiring import blob_store, build_app, console_accounts, document_renderer, open_operations

__all__ = ["App", "blob_store", "build_app", "console_accounts", "create_server", "document_renderer", "long_term_signatures", "open_operations"]
