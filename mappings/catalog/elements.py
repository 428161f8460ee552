"""The domestic data element catalog: document types, their groups, data elements and rules, and the business key.

The catalog (``data/catalog/<document-type>.toml``) defines, per document type, the groups of a record (the JSON
objects and lists), the data elements inside them and the cross-element rules. Every key of a record ties to one
data element id; a record is valid when :meth:`Catalog.validate` (see :mod:`mappings.catalog.validator`) finds no
``ERROR``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mappings._data import list_data, load_toml, opt_str, req_list, req_str, strict_keys
from mappings.errors import RecordInvalid, SpecInvalid
from mappings.catalog.validator import Precheck, compile_precheck, validate
from mappings.report import Finding, Severity, ValidationReport
from mappings.records.parse import check_record
from mappings.catalog.representation import Representation, parse_representation
from mappings.catalog.rules import Rule, parse_rule

__all__ = [
    "Catalog",
    "DOCUMENT_TYPES",
    "DataElement",
    "DocumentSpec",
    "Group",
    "business_key",
    "load_catalog",
    "validate_record",
]

DOCUMENT_TYPES: tuple[str, ...] = ("cargo-manifest", "certificate-of-origin", "sps-certificate")
"""The document types the catalog defines."""

_CARDINALITIES = ("1", "0..1", "1..n", "0..n")


@dataclass(frozen=True)
class DataElement:
    """One data element of the domestic catalog."""

    id: str
    """Stable identifier, e.g. ``CO0001``."""
    document_type: str
    """The document type whose catalog defines the element."""
    name_zh: str
    """Chinese name."""
    name_en: str
    """English name."""
    definition: str
    """What the element means."""
    representation: str
    """Representation term, e.g. ``an..35``, ``n..12,2``, ``date:YYYY-MM-DD``, ``code:country``."""
    cardinality: str
    """``1``, ``0..1``, ``1..n`` or ``0..n`` within one instance of its group."""
    group: str
    """Name of the group holding the element, e.g. ``goods_item``."""
    key: str
    """The JSON key of the element inside its group object."""
    json_path: str
    """Where the element sits in a record, e.g. ``goods_items[].hs_code``."""


@dataclass(frozen=True)
class Group:
    """A JSON object (or list of objects) of a record."""

    name: str
    """Group name, e.g. ``goods_item``."""
    key: str
    """JSON key under the parent group (or the record root)."""
    parent: str | None
    """Parent group name, ``None`` for a top-level group."""
    cardinality: str
    """``1``/``0..1`` for an object, ``1..n``/``0..n`` for a list of objects."""
    json_path: str
    """Path of the group, e.g. ``goods_items[]``."""
    name_en: str
    """English name."""

    @property
    def is_list(self) -> bool:
        """True when the group is a list of objects."""
        return self.cardinality.endswith("..n")


@dataclass(frozen=True)
class DocumentSpec:
    """The catalog of one document type."""

    document_type: str
    """The document type, e.g. ``certificate-of-origin``."""
    title: str
    """Human-readable title."""
    groups: tuple[Group, ...]
    """Groups, parents before children."""
    elements: tuple[DataElement, ...]
    """Data elements in catalog order."""
    rules: tuple[Rule, ...]
    """Cross-element rules."""
    business_key: tuple[str, str, str]
    """Element ids of the business key: issuer, document number, version."""
    representations: Mapping[str, Representation]
    """Parsed representation per element id."""

    @functools.cached_property
    def precheck(self) -> Precheck:
        """The compiled one-walk check: True when a record has no finding at all (see
        :mod:`mappings.catalog.validator`)."""
        return compile_precheck(self)


@dataclass(frozen=True)
class Catalog:
    """The whole catalog: every document type's groups, elements and rules."""

    documents: Mapping[str, DocumentSpec]
    """Per document type, its catalog."""
    elements: tuple[DataElement, ...]
    """Every data element of every document type."""

    def document(self, document_type: str) -> DocumentSpec:
        """Return the catalog of ``document_type``; unknown types raise :class:`RecordInvalid`."""
        try:
            return self.documents[document_type]
        except KeyError:
            finding = Finding(Severity.ERROR, "DOCUMENT_TYPE_UNKNOWN", "$", f"unknown document type {document_type!r}")
            raise RecordInvalid(
                f"unknown document type {document_type!r}", path="$", report=ValidationReport((finding,))
            ) from None

    def element(self, element_id: str) -> DataElement:
        """Return the data element ``element_id`` (``KeyError`` when unknown)."""
        return self._by_id[element_id]

    @functools.cached_property
    def _by_id(self) -> Mapping[str, DataElement]:
        # Ids are unique across document types (load_catalog checks); every business key asks for three.
        return MappingProxyType({e.id: e for e in self.elements})

    def validate(self, document_type: str, record: Mapping[str, Any]) -> ValidationReport:
        """Validate ``record`` against the catalog of ``document_type`` and return every finding."""
        return validate(self.document(document_type), record)


def _parse_document(relative: str) -> DocumentSpec:
    where = f"mappings/data/{relative}"
    doc = strict_keys(load_toml(relative), where, required=("document", "group", "element"), optional=("rule",))
    head = strict_keys(doc["document"], f"{where} [document]", required=("type", "title", "business_key"))
    document_type = req_str(head, "type", where)
    groups: list[Group] = []
    paths: dict[str, str] = {}
    for i, raw in enumerate(req_list(doc, "group", where)):
        gw = f"{where} [[group]] #{i + 1}"
        strict_keys(raw, gw, required=("name", "key", "cardinality", "name_en"), optional=("parent",))
        parent = opt_str(raw, "parent", gw)
        if parent is not None and parent not in paths:
            raise SpecInvalid(f"parent group {parent!r} must be declared before its children", path=gw)
        card = req_str(raw, "cardinality", gw)
        if card not in _CARDINALITIES:
            raise SpecInvalid(f"bad cardinality {card!r}", path=gw)
        key = req_str(raw, "key", gw)
        json_path = (f"{paths[parent]}." if parent else "") + key + ("[]" if card.endswith("..n") else "")
        g = Group(req_str(raw, "name", gw), key, parent, card, json_path, req_str(raw, "name_en", gw))
        if g.name in paths:
            raise SpecInvalid(f"duplicate group {g.name!r}", path=gw)
        paths[g.name] = json_path
        groups.append(g)
    elements: list[DataElement] = []
    reps: dict[str, Representation] = {}
    seen_keys: set[tuple[str, str]] = set()
    for i, raw in enumerate(req_list(doc, "element", where)):
        ew = f"{where} [[element]] #{i + 1}"
        strict_keys(
            raw,
            ew,
            required=("id", "group", "key", "name_zh", "name_en", "definition", "representation", "cardinality"),
        )
        group = req_str(raw, "group", ew)
        if group not in paths:
            raise SpecInvalid(f"unknown group {group!r}", path=ew)
        card = req_str(raw, "cardinality", ew)
        if card not in _CARDINALITIES:
            raise SpecInvalid(f"bad cardinality {card!r}", path=ew)
        key = req_str(raw, "key", ew)
        if (group, key) in seen_keys:
            raise SpecInvalid(f"duplicate key {key!r} in group {group!r}", path=ew)
        seen_keys.add((group, key))
        e = DataElement(
            id=req_str(raw, "id", ew),
            document_type=document_type,
            name_zh=req_str(raw, "name_zh", ew),
            name_en=req_str(raw, "name_en", ew),
            definition=req_str(raw, "definition", ew),
            representation=req_str(raw, "representation", ew),
            cardinality=card,
            group=group,
            key=key,
            json_path=f"{paths[group]}.{key}",
        )
        if e.id in reps:
            raise SpecInvalid(f"duplicate element id {e.id!r}", path=ew)
        reps[e.id] = parse_representation(e.representation, ew)
        elements.append(e)
    by_id = {e.id: e for e in elements}
    rules = tuple(parse_rule(raw, f"{where} [[rule]] #{i + 1}", by_id) for i, raw in enumerate(doc.get("rule", [])))
    key_ids = req_list(head, "business_key", where)
    if len(key_ids) != 3 or any(k not in by_id for k in key_ids):
        raise SpecInvalid("business_key must list three known element ids (issuer, number, version)", path=where)
    return DocumentSpec(
        document_type=document_type,
        title=req_str(head, "title", where),
        groups=tuple(groups),
        elements=tuple(elements),
        rules=rules,
        business_key=(key_ids[0], key_ids[1], key_ids[2]),
        representations=MappingProxyType(reps),
    )


@functools.cache
def load_catalog() -> Catalog:
    """Load the catalog of every document type from package data (cached)."""
    documents: dict[str, DocumentSpec] = {}
    for relative in list_data("catalog", ".toml"):
        spec = _parse_document(relative)
        if spec.document_type in documents:
            raise SpecInvalid(f"duplicate document type {spec.document_type!r}", path=f"mappings/data/{relative}")
        documents[spec.document_type] = spec
    unknown = set(documents) - set(DOCUMENT_TYPES)
    if unknown:
        raise SpecInvalid(f"catalog defines undeclared document types {sorted(unknown)}", path="mappings/data/catalog")
    elements = tuple(e for d in documents.values() for e in d.elements)
    if len({e.id for e in elements}) != len(elements):
        raise SpecInvalid("element ids must be unique across document types", path="mappings/data/catalog")
    return Catalog(MappingProxyType(documents), elements)


def validate_record(document_type: str, record: Mapping[str, Any]) -> ValidationReport:
    """Validate ``record`` against the catalog of ``document_type`` (see :meth:`Catalog.validate`).

    Raises :class:`~mappings.errors.RecordMalformed` (with the path) for a record nested too deep or holding text
    that is not Unicode, which no report could carry.
    """
    if isinstance(record, Mapping):
        check_record(record)
    return load_catalog().validate(document_type, record)


def business_key(document_type: str, record: Mapping[str, Any]) -> tuple[str, str, int]:
    """Return the business key ``(issuer, number, version)`` of a record.

    The record must carry the three key elements with valid values; otherwise :class:`RecordInvalid` is raised with
    a report naming the missing or malformed ones.
    """
    catalog = load_catalog()
    spec = catalog.document(document_type)
    findings: list[Finding] = []
    values: list[Any] = []
    if not isinstance(record, Mapping):
        findings.append(Finding(Severity.ERROR, "FORMAT_INVALID", "$", "record must be a JSON object"))
    else:
        for element_id in spec.business_key:
            e = catalog.element(element_id)
            obj: Any = record
            for part in e.json_path.split("."):
                obj = obj.get(part) if isinstance(obj, Mapping) else None
            path = f"$.{e.json_path}"
            reason = "is required" if obj is None else spec.representations[e.id].check(obj)
            if reason is not None:
                findings.append(Finding(Severity.ERROR, "BUSINESS_KEY_INVALID", path, f"{e.name_en} {reason}", e.id))
            values.append(obj)
    if findings:
        raise RecordInvalid("record has no valid business key", path=findings[0].path, report=ValidationReport(tuple(findings)))
    issuer, number, version = values
    return str(issuer), str(number), int(version)
