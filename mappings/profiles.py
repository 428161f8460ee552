"""Mapping profiles: the registry of shipped specs and the two public entry points.

``map_forward`` turns a domestic catalog record into a partner document; ``map_reverse`` turns a partner document
into a domestic catalog record. Both validate on both sides and report what could not be carried.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from datetime import date, datetime
from typing import Any

from lxml import etree

from mappings import edifact, recordjson
from mappings._data import list_data, load_json
from mappings.agreements import check_agreement
from mappings.catalog import Catalog, load_catalog
from mappings.codelists import get_codelist
from mappings.emit import Program, compile_forward, run_forward
from mappings.engine import ForwardState, build_tree, unused_paths
from mappings.reverse import Reader, ReverseState, compile_reader, read_tree, unread_paths
from mappings.errors import AgreementViolated, ExampleUnknown, ProfileUnknown, RecordInvalid, RecordMalformed, SpecInvalid
from mappings.recordpath import get_path, set_path
from mappings.report import Finding, MappingReport, Severity, ValidationReport
from mappings.schema import check_schema, preload_schema
from mappings.spec import MappingProfile, Node, Spec, parse_spec
from mappings.xmlsafe import parse_xml, serialize_xml
from mappings.xmltext import Unrepresentable

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
def _program(profile_id: str) -> Program | None:
    """The compiled forward program of a profile (built once; None leaves the profile to the reference)."""
    return compile_forward(_spec(profile_id))


@functools.cache
def _reader(profile_id: str) -> Reader:
    """The compiled reverse reader of a profile (built once)."""
    return compile_reader(_spec(profile_id))


def _forward_document(spec: Spec, record: Mapping[str, Any]) -> tuple[bytes, ForwardState]:
    """Build, check and serialize the target document; the compiled program when it can, else the reference."""
    program = _program(spec.profile.id)
    if program is not None:
        state = ForwardState()
        try:
            return run_forward(program, spec, record, state), state
        except Unrepresentable:
            pass  # a value lxml treats specially: rerun from scratch with the reference interpreter
    state = ForwardState()
    tree = build_tree(spec, record, state)
    if spec.syntax == "xml":
        if spec.schema is not None:
            check_schema(tree, spec.schema)
        return serialize_xml(tree), state
    return edifact.serialize_tree(tree), state


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


def list_profiles() -> tuple[MappingProfile, ...]:
    """Return every shipped profile, sorted by id."""
    return tuple(s.profile for _, s in sorted(_specs().items()))


def parse_record(data: bytes | str) -> dict[str, Any]:
    """Parse JSON text into a record; raise :class:`RecordMalformed` (with the JSON path of the offending value)
    unless it is one JSON object, nested at most ``MAX_RECORD_DEPTH`` deep, whose keys and strings are Unicode.

    The one record parser: the gateway's steps and the CLI call it (see :mod:`mappings.recordjson`).
    """
    return recordjson.parse_record(data)


def _requirements(spec: Spec, record: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for path in spec.single_lists:
        value = get_path(record, record, path)
        if isinstance(value, list) and len(value) > 1:
            out.append(
                Finding(
                    Severity.ERROR,
                    "PROFILE_MISMATCH",
                    f"$.{path}",
                    f"profile {spec.profile.id} carries one entry here, got {len(value)}; split the record",
                )
            )
    for path, allowed in spec.require.items():
        value = get_path(record, record, path)
        if value is not None and value not in allowed:
            out.append(
                Finding(
                    Severity.ERROR,
                    "PROFILE_MISMATCH",
                    f"$.{path}",
                    f"profile {spec.profile.id} requires one of {', '.join(allowed)}, got {value!r}",
                )
            )
    return out


def _validated(spec: Spec, record: Mapping[str, Any], at: datetime | None) -> ValidationReport:
    report = load_catalog().validate(spec.profile.document_type, record)
    findings = report.findings + tuple(_requirements(spec, record))
    full = ValidationReport(findings)
    if not full.ok:
        first = full.errors[0]
        raise RecordInvalid(f"record breaks the catalog: {first.message}", path=first.path, report=full)
    # The agreement's rules read catalog-valid values only, so they run once the catalog is satisfied.
    broken = check_agreement(spec.agreement_rules, record, agreement=spec.profile.agreement,
                             country_to_iso=get_codelist("country").to_international, at=at)
    if broken:
        full = ValidationReport(full.findings + tuple(broken))
        raise AgreementViolated(f"record breaks the {spec.profile.agreement} rules: {broken[0].message}",
                                path=broken[0].path, report=full)
    return full


def map_forward(record: Mapping[str, Any], profile_id: str, *, at: datetime | None = None) -> ForwardResult:
    """Map a domestic catalog ``record`` to the partner format of ``profile_id``.

    ``at`` is the time of the exchange, against which the agreement's validity period is checked (skipped when
    None: the gateway always gives it). Raises :class:`RecordMalformed`, :class:`RecordInvalid` (catalog errors,
    with the report), :class:`AgreementViolated` (the agreement's business rules, with the report),
    :class:`CodeUnmapped` (naming the record path), :class:`SchemaInvalid` or :class:`ProfileUnknown`.
    """
    if not isinstance(record, Mapping):
        raise RecordMalformed(f"record must be a JSON object, not {type(record).__name__}", path="$")
    # Records built in Python skip parse_record; lone surrogates and deep nesting would crash lxml and the walkers.
    recordjson.check_record(record)
    spec = _spec(profile_id)
    validation = _validated(spec, record, at)
    document, state = _forward_document(spec, record)
    report = MappingReport(
        findings=validation.findings,
        dropped=unused_paths(record, state),
        defaulted=tuple(state.defaulted),
        codelist_versions=state.ctx.codelist_versions,
    )
    return ForwardResult(document=document, format=spec.profile.format, report=report)


def map_reverse(document: bytes, profile_id: str, *, at: datetime | None = None) -> ReverseResult:
    """Map a partner ``document`` in the format of ``profile_id`` to a domestic catalog record.

    ``at`` is the time of receipt, for the agreement's validity period (see :func:`map_forward`). Raises
    :class:`DocumentHostile`, :class:`DocumentMalformed`, :class:`SchemaInvalid`, :class:`CodeUnmapped` (naming
    the document path), :class:`RecordInvalid` (the resulting record breaks the catalog),
    :class:`AgreementViolated` or :class:`ProfileUnknown`.
    """
    spec = _spec(profile_id)
    tree: etree._Element
    if spec.syntax == "xml":
        tree = parse_xml(document)
        inbound = spec.reverse_schema or spec.schema
        if inbound is not None:
            check_schema(tree, inbound)
    else:
        tree = edifact.parse_to_tree(document, spec)
    state = ReverseState()
    reader = _reader(profile_id)
    record = read_tree(reader, tree, state)
    if spec.profile.signature == "ubl-extension":
        _skip_signature_carriers(tree, state)
    for path, value in spec.reverse_defaults.items():
        if get_path(record, record, path) is None:
            set_path(record, record, path, value)
            state.defaulted.append(f"$.{path}")
    validation = _validated(spec, record, at)
    report = MappingReport(
        findings=tuple(state.findings) + validation.findings,
        dropped=unread_paths(reader, tree, state),
        defaulted=tuple(state.defaulted),
        codelist_versions=state.ctx.codelist_versions,
    )
    return ReverseResult(record=record, report=report)


_UBL_EXT = "{urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2}UBLExtensions"
_UBL_SIGNATURE = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}Signature"


def _skip_signature_carriers(tree: etree._Element, state: ReverseState) -> None:
    """Count the UBL signature carriers as read: they describe the (already verified) signature, not the goods,
    so the loss report must not list them as dropped business data."""
    for carrier in tree:
        if carrier.tag in (_UBL_EXT, _UBL_SIGNATURE):
            for element in carrier.iter():
                state.consumed.add(element)
                state.consumed.update((element, name) for name in element.attrib)


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
