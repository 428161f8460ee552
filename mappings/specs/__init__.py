"""Mapping specs: the spec language (:mod:`.language`), its transforms and agreement rules, the interpreter in both
directions (:mod:`.engine`, :mod:`.emit`, :mod:`.reverse`), profile validation (:mod:`.validation`) and the profile
registry with the public entry points (:mod:`.profiles`). The top floor of :mod:`mappings`."""

from __future__ import annotations
