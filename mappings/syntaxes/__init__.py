"""Target syntaxes, each independent of the catalog and the specs: XML (:mod:`.xml`: hardened parsing, text
emission, schema validation) and UN/EDIFACT (:mod:`.edifact`: interchange envelope, tree reader, writer)."""

from __future__ import annotations
