"""The conformance kit (``swgw conformance``): tests a partner's implementation of swgw's exchange in both roles.

``sender`` plays a window delivering good and bad envelopes to the partner; ``receiver`` runs a test window the
partner delivers to. Both build and check messages with swgw's own steps (``gateway.pipeline``) and write a report
(``report``) with one line per check of ``checks.CHECKS``.
"""

from __future__ import annotations

__all__: list[str] = []
