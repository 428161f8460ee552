"""Domestic records (JSON): the one parser and well-formedness check (:mod:`.parse`) and dotted record paths
(:mod:`.paths`). Both the catalog and the mapping specs address records by path, so this sits below both."""

from __future__ import annotations
