"""XML: hardened parsing (:mod:`.parse`), text written for one parse (:mod:`.text`) and validation against the
shipped XSDs (:mod:`.schema`)."""

from __future__ import annotations
