"""The domestic data element catalog: document types, data elements and groups (:mod:`.elements`), their
representations (:mod:`.representation`), cross-element rules (:mod:`.rules`) and the one validator
(:mod:`.validator`). Imports :mod:`mappings.codelists` and :mod:`mappings.records`, nothing above."""

from __future__ import annotations
