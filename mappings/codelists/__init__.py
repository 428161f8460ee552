"""Code lists: the domestic code tables with their crosswalks (:mod:`.tables`) and the official international lists
they point into (:mod:`.international`). The ground floor of :mod:`mappings` after the shared errors, reports and
data loader; imports nothing of the other subpackages."""

from __future__ import annotations
