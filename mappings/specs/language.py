"""Declarative mapping specs: the data model and its strict parser.

A spec is one JSON file in ``data/specs/``. Its ``template`` mirrors the target document in document order: each
node is an element (``el``) or an attribute (``attr``) and takes its value from the record (``from``), from a
constant (``const``) or from nothing (a container with ``children``). A node with ``each`` repeats for every entry
of a record list. The same template drives both directions, so a spec cannot map forward what it cannot map back.

Node keys::

    el | attr     target name ("cbc:ID", "@unitCode" style names are written without the @ under "attr")
    from          record path relative to the current scope ("hs_code"), absolute ("$.certificate.number"),
                  or "." for the scope value itself (lists of plain values)
    const         constant target text (also used on the way back to tell same-named siblings apart)
    transform     named transform (default "text"), see mappings.specs.transforms
    default       target text used when the source has no value (reported in MappingReport.defaulted)
    each          record list path: repeat this element per entry; "from" paths inside are relative to the entry
    join_on       on the way back, merge into the existing list entry with the same value of this key
    always        emit the element even when no record value below it is present
    reverse       false: a duplicate carrier of a value read elsewhere; not read back
    max           the target's length limit for the transformed value: a longer record value is refused at
                  validation (PROFILE_MISMATCH at its record path), e.g. an EDIFACT data element's an..10
    children      child nodes, in target order
    note          free text for spec readers

An element whose subtree reads the record is emitted only when at least one value below it is present (or
``always``); a subtree made only of constants is emitted whenever its parent is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mappings.specs.agreements import AgreementRule, parse_agreement_rules
from mappings._data import opt_bool, opt_str, req_str, strict_keys
from mappings.errors import SpecInvalid
from mappings.specs.transforms import Transform, get_transform

__all__ = ["MappingProfile", "Node", "Spec", "parse_spec"]

_NODE_KEYS = (
    "el",
    "attr",
    "from",
    "const",
    "transform",
    "default",
    "each",
    "join_on",
    "inline",
    "number",
    "match",
    "split",
    "always",
    "reverse",
    "max",
    "children",
    "note",
)
_SYNTAXES = ("xml", "edifact")
#: Document signature placements by syntax: what a spec's ``signature`` may name (see trust.placement).
_SIGNATURES = {"xml": ("ubl-extension", "detached", "enveloped"), "edifact": ("none",)}


@dataclass(frozen=True)
class MappingProfile:
    """The public description of one mapping: which document type goes to which format under which agreement."""

    id: str
    """Profile id, e.g. ``coo-ubl24-cepa-hk``."""
    document_type: str
    """Catalog document type the profile maps."""
    format: str
    """URN naming the target format and customization."""
    agreement: str
    """The exchange agreement the profile serves, e.g. ``CEPA-HK``."""
    description: str
    """Human-readable description."""
    signature: str
    """How the document itself is signed under the agreement: ``ubl-extension`` (UBL 2.4 extension block),
    ``detached`` (a separate XML-DSig document beside the unchanged document), ``enveloped`` (a ds:Signature under
    the root) or ``none`` (EDIFACT: the envelope signature over the payload digest is the signature)."""
    syntax: str = "xml"
    """The syntax of the format: ``xml`` or ``edifact``."""


@dataclass(frozen=True)
class Node:
    """One node of a spec template."""

    name: str
    """Qualified element name (``cbc:ID``) or attribute name (``unitCode``)."""
    is_attr: bool
    """True for an attribute node."""
    source: str | None
    """Record path the value comes from."""
    const: str | None
    """Constant target text."""
    transform: Transform
    """Value transform."""
    default: str | None
    """Target text used when the source has no value."""
    each: str | None
    """Record list path this element repeats over."""
    join_on: str | None
    """Record key used to merge list entries on the way back."""
    inline: bool
    """With ``each``: no element of its own; children go into the parent for a one-entry list."""
    number: str | None
    """With ``each``: record key numbered 1, 2, ... on the way back when the document does not carry it."""
    keys: tuple[tuple[tuple[str, ...], str], ...]
    """(relative element path, constant) pairs an element must carry to match this node on the way back."""
    split: tuple[int, int, str] | None
    """(chunk size, maximum chunks, ``components`` or ``siblings``) for values cut into pieces."""
    always: bool
    """Emit even without record values below."""
    reverse: bool
    """Read the value back (False for duplicate carriers)."""
    max_length: int | None
    """The target's length limit for this value (after its transform), checked at validation."""
    children: tuple[Node, ...]
    """Child nodes in target order."""
    reads_record: bool
    """True when this node or a descendant reads the record."""
    probes: tuple[str, ...]
    """Record paths (in this node's scope) whose presence decides whether the subtree can carry any value."""
    where: str
    """Position in the spec file, for error messages."""


@dataclass(frozen=True)
class Spec:
    """A parsed mapping spec."""

    profile: MappingProfile
    """The public profile."""
    syntax: str
    """``xml`` or ``edifact``."""
    schema: str | None
    """Package-relative path of the XSD the output must satisfy (XML syntax)."""
    reverse_schema: str | None
    """Package-relative path of the XSD an inbound document is checked against; None means ``schema``. A partner
    format richer than what swgw emits (eFTI) needs a tolerant one: structure of what the profile reads, the rest
    accepted and reported as dropped."""
    namespaces: Mapping[str, str]
    """Prefix -> namespace URI; the empty prefix is the default namespace."""
    require: Mapping[str, tuple[str, ...]]
    """Record path -> allowed values: the agreement's constraints on the record."""
    template: Node
    """The root node."""
    reverse_defaults: Mapping[str, Any]
    """Record path -> value filled on the way back when the target does not carry it (reported as defaulted)."""
    single_lists: tuple[str, ...]
    """Record list paths used by inline nodes: the profile accepts at most one entry in each."""
    limits: tuple[tuple[str, Node], ...]
    """(record path with ``[]`` for list entries, node) for every node with a ``max`` length."""
    source_file: str
    """The spec's package-relative file name."""
    agreement_rules: tuple[AgreementRule, ...] = ()
    """The business rules of the profile's agreement (see :mod:`mappings.specs.agreements`)."""


def _parse_node(raw: Any, where: str, namespaces: Mapping[str, str]) -> Node:
    strict_keys(raw, where, optional=_NODE_KEYS)
    is_attr = "attr" in raw
    if is_attr == ("el" in raw):
        raise SpecInvalid("a node needs exactly one of 'el' or 'attr'", path=where)
    name = req_str(raw, "attr" if is_attr else "el", where)
    label = f"{where}/{name}"
    prefix = name.partition(":")[0] if ":" in name else ""
    if not is_attr and prefix not in namespaces:
        raise SpecInvalid(f"undeclared namespace prefix {prefix!r}", path=label)
    source = opt_str(raw, "from", label)
    const = opt_str(raw, "const", label)
    if source is not None and const is not None:
        raise SpecInvalid("a node takes 'from' or 'const', not both", path=label)
    children_raw = raw.get("children", [])
    if not isinstance(children_raw, list):
        raise SpecInvalid("'children' must be a list", path=label)
    children = tuple(_parse_node(c, f"{label}[{i}]", namespaces) for i, c in enumerate(children_raw))
    if is_attr and (children or "each" in raw):
        raise SpecInvalid("an attribute node cannot have children or 'each'", path=label)
    if source is not None and any(not c.is_attr for c in children):
        raise SpecInvalid("a node with a value can only have attribute children", path=label)
    each = opt_str(raw, "each", label)
    inline = opt_bool(raw, "inline", label, False)
    if inline and each is None:
        raise SpecInvalid("'inline' needs 'each'", path=label)
    reads = source is not None or any(c.reads_record for c in children) or each is not None
    return Node(
        name=name,
        is_attr=is_attr,
        source=source,
        const=const,
        transform=get_transform(opt_str(raw, "transform", label) or "text", label),
        default=opt_str(raw, "default", label),
        each=each,
        join_on=opt_str(raw, "join_on", label),
        inline=inline,
        number=opt_str(raw, "number", label),
        keys=_keys(children, _match(raw.get("match"), label)),
        split=_split(raw.get("split"), label, source is not None and not children),
        always=opt_bool(raw, "always", label, False),
        reverse=opt_bool(raw, "reverse", label, True),
        max_length=_max(raw.get("max"), label, source is not None),
        children=children,
        reads_record=reads,
        probes=_probes(source, each, children),
        where=label,
    )


def _probes(source: str | None, each: str | None, children: tuple[Node, ...]) -> tuple[str, ...]:
    """Paths to look at before building a subtree: its own sources and, for nested lists, the list paths."""
    if each is not None:
        return (each,)
    found = [source] if source is not None else []
    for child in children:
        found += [p for p in child.probes if p not in found]
    return tuple(found)


def _match(raw: Any, where: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise SpecInvalid("'match' must map relative paths like 'e1/c1' to constants", path=where)
    return tuple((tuple(k.split("/")), v) for k, v in raw.items())


def _keys(
    children: tuple[Node, ...], matches: tuple[tuple[tuple[str, ...], str], ...]
) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The constants an element must carry to match: its direct constant children plus its ``match`` entries."""
    direct = tuple(
        (("@" + c.name,) if c.is_attr else (c.name,), c.const) for c in children if c.const is not None
    )
    return direct + matches


def _split(raw: Any, where: str, is_leaf: bool) -> tuple[int, int, str] | None:
    if raw is None:
        return None
    strict_keys(raw, f"{where} split", required=("size", "max", "into"))
    size, most, into = raw["size"], raw["max"], raw["into"]
    if not (isinstance(size, int) and isinstance(most, int) and size > 0 and most > 0):
        raise SpecInvalid("'split' needs positive integers 'size' and 'max'", path=where)
    if into not in ("components", "siblings") or not is_leaf:
        raise SpecInvalid("'split' goes on a value node without children, into 'components' or 'siblings'", path=where)
    return size, most, into


def _max(raw: Any, where: str, has_source: bool) -> int | None:
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0 or not has_source:
        raise SpecInvalid("'max' is a positive integer on a node with 'from'", path=where)
    return raw


def _limits(node: Node, scope: str, out: list[tuple[str, Node]]) -> None:
    """Collect the nodes with a ``max`` length and their record paths (list entries marked ``[]``)."""

    def resolve(path: str) -> str:
        if path == ".":
            return scope.removesuffix("[]")
        if path.startswith("$."):
            return path[2:]
        return f"{scope}.{path}" if scope else path

    if node.each is not None:
        scope = resolve(node.each) + "[]"
    if node.max_length is not None and node.source is not None:
        out.append((resolve(node.source), node))
    for child in node.children:
        _limits(child, scope, out)


def _inline_lists(node: Node) -> set[str]:
    found = {node.each} if node.inline and node.each is not None else set()
    for child in node.children:
        found |= _inline_lists(child)
    return found


def parse_spec(raw: Any, source_file: str) -> Spec:
    """Parse the JSON content of a spec file strictly."""
    where = f"mappings/data/{source_file}"
    strict_keys(
        raw,
        where,
        required=("id", "document_type", "format", "agreement", "description", "syntax", "signature", "template"),
        optional=("schema", "reverse_schema", "namespaces", "require", "reverse_defaults", "agreement_rules", "note"),
    )
    syntax = req_str(raw, "syntax", where)
    if syntax not in _SYNTAXES:
        raise SpecInvalid(f"unknown syntax {syntax!r}", path=where)
    signature = req_str(raw, "signature", where)
    if signature not in _SIGNATURES[syntax]:
        raise SpecInvalid(f"signature {signature!r} is not one of {', '.join(_SIGNATURES[syntax])} for {syntax}",
                          path=f"{where} signature")
    namespaces = raw.get("namespaces", {})
    if not isinstance(namespaces, dict) or not all(isinstance(v, str) for v in namespaces.values()):
        raise SpecInvalid("'namespaces' must map prefixes to URIs", path=where)
    require_raw = raw.get("require", {})
    if not isinstance(require_raw, dict):
        raise SpecInvalid("'require' must map record paths to lists of allowed values", path=where)
    require: dict[str, tuple[str, ...]] = {}
    for path, allowed in require_raw.items():
        if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed) or not allowed:
            raise SpecInvalid(f"'require' entry {path!r} must be a non-empty list of strings", path=where)
        require[path] = tuple(allowed)
    profile = MappingProfile(
        id=req_str(raw, "id", where),
        document_type=req_str(raw, "document_type", where),
        format=req_str(raw, "format", where),
        agreement=req_str(raw, "agreement", where),
        description=req_str(raw, "description", where),
        signature=signature,
        syntax=syntax,
    )
    # EDIFACT templates have no namespaces; their element names are segment tags and positions.
    ns = MappingProxyType(dict(namespaces)) if syntax == "xml" else MappingProxyType({"": ""})
    template = _parse_node(raw["template"], f"{where} template", ns)
    defaults = raw.get("reverse_defaults", {})
    if not isinstance(defaults, dict) or not all(isinstance(v, (str, int)) for v in defaults.values()):
        raise SpecInvalid("'reverse_defaults' must map record paths to strings or integers", path=where)
    limits: list[tuple[str, Node]] = []
    _limits(template, "", limits)
    return Spec(
        reverse_defaults=MappingProxyType(dict(defaults)),
        single_lists=tuple(sorted(_inline_lists(template))),
        limits=tuple(limits),
        profile=profile,
        syntax=syntax,
        schema=opt_str(raw, "schema", where),
        reverse_schema=opt_str(raw, "reverse_schema", where),
        namespaces=MappingProxyType(dict(namespaces)),
        require=MappingProxyType(require),
        template=template,
        source_file=source_file,
        agreement_rules=parse_agreement_rules(raw.get("agreement_rules", []), where),
    )
