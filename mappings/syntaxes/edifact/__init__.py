"""UN/EDIFACT: the agreement's interchange envelope (:mod:`.interchange`), interchanges read into trees
(:mod:`.tree`) and written from them (:mod:`.write`). Reads and writes the XML-shaped tree the spec interpreter
walks, so it imports :mod:`mappings.syntaxes.xml`."""

from __future__ import annotations
