"""Mapping profiles: the registry of shipped specs and the two public entry points.

``map_forward`` turns a domestic catalog record into a partner document; ``map_reverse`` turns a partner document
into a domestic catalog record. Both validate on both sides and report what could not be carried.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from lxml import etree

from mappings.records import parse as recordjson
from mappings.syntaxes.edifact import tree as edifact
from mappings._data import list_data, load_json
from mappings.catalog.elements import Catalog, load_catalog
from mappings.specs.forward import Program, compile_forward, run_forward
from mappings.specs.state import ForwardState, unused_paths
from mappings.specs.reverse import Reader, ReverseState, compile_reader, read_tree, unread_paths
from mappings.errors import DocumentMalformed, ExampleUnknown, ProfileUnknown, RecordMalformed, SpecInvalid
from mappings.syntaxes.edifact.interchange import SYNTAX_IDENTIFIERS, Interchange
from mappings.records.paths import get_path, set_path
from mappings.report import MappingReport
from mappings.syntaxes.xml.schema import check_schema, preload_schema
from mappings.specs.language import MappingProfile, Node, Spec, parse_spec
from mappings.syntaxes.xml.parse import parse_xml
from mappings.specs.validation import validated

__all__ = [
    "ForwardResult",
    "ReverseResult",
    "get_profile",
    "list_profiles",
    "load_example",
    "map_forward",
    "map_reverse",
    "parse_record",
]


@dataclass(frozen=True)
class ForwardResult:
    """The outcome of :func:`map_forward`."""

    document: bytes
    """The target document (UTF-8 XML, or an EDIFACT interchange)."""
    format: str
    """The URN of the target format (the profile's ``format``)."""
    report: MappingReport
    """Findings, dropped record paths, defaulted paths and code-list editions."""
    tree: etree._Element | None = field(default=None, compare=False, repr=False)
    """An XML document's tree, the one its schema check validated (None for EDIFACT): the tree the hardened parser
    (:func:`xmlguard.parse_xml`) builds of ``document``, so that a signer can take it over instead of parsing
    ``document`` again. Whoever takes it over may change it (trust signs it in place)."""


@dataclass(frozen=True)
class ReverseResult:
    """The outcome of :func:`map_reverse`."""

    record: dict[str, Any]
    """The domestic catalog record (domestic codes)."""
    report: MappingReport
    """Findings, dropped document paths, defaulted record paths and code-list editions."""


def _check_against_catalog(spec: Spec, catalog: Catalog) -> None:
    """Every ``from`` path of a spec must name a catalog element of its document type."""
    doc = catalog.document(spec.profile.document_type)
    known = {e.json_path for e in doc.elements}
    lists = {g.json_path for g in doc.groups if g.is_list} | {e.json_path + "[]" for e in doc.elements if e.cardinality.endswith("..n")}

    def resolve(scope: str, path: str) -> str:
        if path == ".":
            return scope.removesuffix("[]")
        if path.startswith("$."):
            return path[2:]
        return f"{scope}.{path}" if scope else path

    def walk(node: Node, scope: str) -> None:
        if node.each is not None:
            scope = resolve(scope, node.each) + "[]"
            if scope not in lists:
                raise SpecInvalid(f"'each' {node.each!r} is not a list in the catalog", path=node.where)
        if node.source is not None and resolve(scope, node.source) not in known:
            raise SpecInvalid(f"'from' {node.source!r} is not a catalog element", path=node.where)
        for child in node.children:
            walk(child, scope)

    walk(spec.template, "")
    for path in [*spec.require, *spec.reverse_defaults]:
        if path not in known:
            raise SpecInvalid(f"'require' or 'reverse_defaults' names unknown element {path!r}", path=spec.source_file)


@functools.cache
def _specs() -> Mapping[str, Spec]:
    catalog = load_catalog()
    specs: dict[str, Spec] = {}
    for relative in list_data("specs", ".json"):
        spec = parse_spec(load_json(relative), relative)
        if spec.profile.id in specs:
            raise SpecInvalid(f"duplicate profile id {spec.profile.id!r}", path=f"mappings/data/{relative}")
        if f"{spec.profile.id}.json" != relative.rpartition("/")[2]:
            raise SpecInvalid("a spec file must be named after its profile id", path=f"mappings/data/{relative}")
        _check_against_catalog(spec, catalog)
        specs[spec.profile.id] = spec
    return MappingProxyType(specs)


def _spec(profile_id: str) -> Spec:
    try:
        return _specs()[profile_id]
    except KeyError:
        raise ProfileUnknown(f"no mapping profile {profile_id!r}", path=profile_id) from None


@functools.cache
def _program(profile_id: str) -> Program:
    """The compiled forward program of a profile (built once)."""
    return compile_forward(_spec(profile_id))


@functools.cache
def _reader(profile_id: str) -> Reader:
    """The compiled reverse reader of a profile (built once)."""
    return compile_reader(_spec(profile_id))


def _forward_document(
    spec: Spec, record: Mapping[str, Any], interchange: Interchange | None = None
) -> tuple[bytes, ForwardState]:
    """Write, check and serialize the target document."""
    if spec.syntax == "edifact" and interchange is None:
        raise TypeError(f"profile {spec.profile.id} writes EDIFACT: pass the agreement's interchange")
    state = ForwardState()
    return run_forward(_program(spec.profile.id), spec, record, state, interchange), state


def get_profile(profile_id: str) -> MappingProfile:
    """Return the profile ``profile_id``; raise :class:`ProfileUnknown` when there is none."""
    return _spec(profile_id).profile


def prepare_profile(profile_id: str) -> MappingProfile:
    """Load and compile everything ``profile_id`` needs, and return its description.

    The catalog, code lists, spec, compiled forward program, reverse reader and target schema are otherwise built
    on first use: a gateway calls this for every profile its agreements name, so that an unknown or broken profile
    stops it at start (:class:`ProfileUnknown`, :class:`SpecInvalid`) and the first document pays for no more than
    its thread's own copy of the schema (schemas are kept per thread, see ``schema.py``).
    """
    spec = _spec(profile_id)
    _program(profile_id)
    _reader(profile_id)
    if spec.syntax == "xml":
        for relative in (spec.schema, spec.reverse_schema):
            if relative is not None:
                preload_schema(relative)
    return spec.profile


def profile_matches(profile_id: str, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` meets the profile's ``require`` (e.g. ``certificate.fta`` is ``RCEP``): how an agreement
    covering a document type with several profiles picks the one for a record. Says nothing else of validity."""
    spec = _spec(profile_id)
    for path, allowed in spec.require.items():
        value = get_path(record, record, path)
        if value is not None and value not in allowed:
            return False
    return True


def list_profiles() -> tuple[MappingProfile, ...]:
    """Return every shipped profile, sorted by id."""
    return tuple(s.profile for _, s in sorted(_specs().items()))


def parse_record(data: bytes | str) -> dict[str, Any]:
    """Parse JSON text into a record; raise :class:`RecordMalformed` (with the JSON path of the offending value)
    unless it is one JSON object, nested at most ``MAX_RECORD_DEPTH`` deep, whose keys and strings are Unicode.

    The one record parser: the gateway's steps and the CLI call it (see :mod:`mappings.records.parse`).
    """
    return recordjson.parse_record(data)


def map_forward(
    record: Mapping[str, Any],
    profile_id: str,
    *,
    at: datetime | None = None,
    interchange: Interchange | None = None,
) -> ForwardResult:
    """Map a domestic catalog ``record`` to the partner format of ``profile_id``.

    ``at`` is the time of the exchange, against which the agreement's validity period is checked (skipped when
    None: the gateway always gives it). An EDIFACT profile writes the envelope the agreement fixes:
    ``interchange`` is required for it (a :class:`TypeError` without it) and ignored by XML profiles.

    Raises :class:`RecordMalformed`, :class:`RecordInvalid` (catalog errors, with the report),
    :class:`AgreementViolated` (the agreement's business rules, with the report), :class:`CodeUnmapped` (naming
    the record path), :class:`CharsetRefused` (a value outside the interchange's character set),
    :class:`SchemaInvalid` or :class:`ProfileUnknown`.
    """
    if not isinstance(record, Mapping):
        raise RecordMalformed(f"record must be a JSON object, not {type(record).__name__}", path="$")
    # Records built in Python skip parse_record; lone surrogates and deep nesting would crash lxml and the walkers.
    recordjson.check_record(record)
    spec = _spec(profile_id)
    if spec.syntax == "edifact" and interchange is None:
        raise TypeError(f"profile {profile_id} writes EDIFACT: pass the agreement's interchange")
    validation = validated(spec, record, at)
    document, state = _forward_document(spec, record, interchange)
    report = MappingReport(
        findings=validation.findings,
        dropped=unused_paths(record, state),
        defaulted=tuple(state.defaulted),
        codelist_versions=state.ctx.codelist_versions,
    )
    return ForwardResult(document=document, format=spec.profile.format, report=report, tree=state.tree)


def _merge(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record from the records of an interchange's messages.

    Top-level lists (a manifest's equipment and consignments) are concatenated, an entry repeated identically
    kept once; everything else (the manifest header) must be the same in every message, since one envelope
    carries one business key.
    """
    merged = records[0]
    for n, record in enumerate(records[1:], 2):
        for key in sorted(set(merged) | set(record)):
            mine, theirs = merged.get(key), record.get(key)
            if isinstance(mine, list) and isinstance(theirs, list):
                mine.extend(entry for entry in theirs if entry not in mine)
            elif mine is None and isinstance(theirs, list):
                merged[key] = theirs
            elif isinstance(mine, list) and theirs is None:
                continue  # e.g. the equipment given in the first message only
            elif mine != theirs:
                raise DocumentMalformed(
                    f"message {n} carries another {key} than message 1: one interchange carries one document",
                    path=f"UNH[{n}]",
                )
    return merged


def map_reverse(
    document: bytes | etree._Element, profile_id: str, *, at: datetime | None = None,
    interchange: Interchange | None = None,
) -> ReverseResult:
    """Map a partner ``document`` in the format of ``profile_id`` to a domestic catalog record.

    An XML ``document`` may also be given parsed: the root element that :func:`xmlguard.parse_xml` (the one
    hardened parser) returned for the document's bytes, e.g. where its signature was just verified on that tree,
    so that it is not parsed twice. It is read, never changed, and checked against the schema all the same.

    ``at`` is the time of receipt, for the agreement's validity period (see :func:`map_forward`). An EDIFACT
    interchange may hold several messages of the profile's type: they are one document split up (e.g. a
    manifest's consignments spread over messages), so their records are merged (:func:`_merge`). Its syntax
    identifier must be one ``interchange.accept`` lists (every supported one without ``interchange``).

    Raises :class:`DocumentHostile`, :class:`DocumentMalformed`, :class:`CharsetRefused`, :class:`SchemaInvalid`,
    :class:`CodeUnmapped` (naming the document path), :class:`RecordInvalid` (the resulting record breaks the
    catalog), :class:`AgreementViolated` or :class:`ProfileUnknown`.
    """
    spec = _spec(profile_id)
    trees: list[etree._Element]
    if spec.syntax == "xml":
        if isinstance(document, etree._Element):
            if document.getparent() is not None:
                raise DocumentMalformed("a parsed document must be given as its root element", path="/")
            tree = document
        else:
            tree = parse_xml(document)
        inbound = spec.reverse_schema or spec.schema
        if inbound is not None:
            check_schema(tree, inbound)
        trees = [tree]
    elif isinstance(document, etree._Element):
        raise DocumentMalformed("an EDIFACT interchange must be given as bytes")
    else:
        trees = edifact.parse_messages(document, spec, interchange.accept if interchange else SYNTAX_IDENTIFIERS)
    state = ReverseState()
    reader = _reader(profile_id)
    records: list[dict[str, Any]] = []
    dropped: list[str] = []
    for n, tree in enumerate(trees, 1):
        records.append(read_tree(reader, tree, state))
        if spec.profile.signature == "ubl-extension":
            _skip_signature_carriers(tree, state)
        prefix = f"message[{n}]" if n > 1 else ""
        dropped += [prefix + path for path in unread_paths(reader, tree, state)]
    record = _merge(records)
    for path, value in spec.reverse_defaults.items():
        if get_path(record, record, path) is None:
            set_path(record, record, path, value)
            state.defaulted.append(f"$.{path}")
    validation = validated(spec, record, at)
    report = MappingReport(
        findings=tuple(state.findings) + validation.findings,
        dropped=tuple(dropped),
        defaulted=tuple(dict.fromkeys(state.defaulted)),
        codelist_versions=state.ctx.codelist_versions,
    )
    return ReverseResult(record=record, report=report)


_UBL_EXT = "{urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2}UBLExtensions"
_UBL_SIGNATURE = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}Signature"


def _skip_signature_carriers(tree: etree._Element, state: ReverseState) -> None:
    """Count the UBL signature carriers as read: they describe the (already verified) signature, not the goods,
    so the loss report must not list them as dropped business data."""
    consumed = state.consumed
    # (iterchildren picks the carriers by tag without a tag string per child of the root)
    for carrier in tree.iterchildren(_UBL_EXT, _UBL_SIGNATURE):
        for element in carrier.iter():
            consumed.add(element)
            names = element.keys()
            if names:
                consumed.update([(element, name) for name in names])


def load_example(name: str, *, issued_on: date | None = None) -> dict[str, Any]:
    """Return a fresh copy of the sample record ``data/examples/<name>.json`` (e.g. ``coo-cn-hk``).

    ``issued_on`` makes a sample certificate current: agreements limit how long a certificate is valid, so a
    sample dated when it was written would be refused as expired once that time has passed. It replaces the
    certificate's issue date (records without one are returned as shipped).
    """
    # Names are checked against the shipped list, so no path trickery can reach another file.
    if f"examples/{name}.json" not in list_data("examples", ".json"):
        raise ExampleUnknown(f"no example {name!r}", path=name)
    value = load_json(f"examples/{name}.json")
    if not isinstance(value, dict):
        raise SpecInvalid("an example must be a JSON object", path=f"mappings/data/examples/{name}.json")
    certificate = value.get("certificate")
    if issued_on is not None and isinstance(certificate, dict) and "issue_date" in certificate:
        certificate["issue_date"] = issued_on.isoformat()
    return value
