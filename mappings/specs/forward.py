"""The forward interpreter: a spec template becomes a tree of closures once per profile, and a record a document.

Paths are pre-split, names pre-qualified and each template node's branch decided once, not per record. XML is
written as text and parsed once by lxml (much cheaper than one ``SubElement`` call per node) for schema validation:
:mod:`mappings.syntaxes.xml.text` escapes as libxml2 does (checked against every code point), so the text is byte
for byte what lxml writes for that tree and is the document itself. A value lxml's element API refuses (control
characters, lone surrogates) raises lxml's own error, as building the tree element by element would. EDIFACT is
emitted as a flat stream (see :func:`mappings.syntaxes.edifact.tree.serialize_stream`) for the writer: strings
only, so that building a large interchange does not keep the cyclic garbage collector busy. The tests keep the
plain element-by-element interpreter this one must agree with (``tests/unit/mappings/forward_oracle.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from lxml import etree

from mappings.syntaxes.edifact import tree as edifact
from mappings.syntaxes.xml import text as xmltext
from mappings.specs.state import ForwardState
from mappings.syntaxes.edifact.interchange import Interchange
from mappings.errors import RecordInvalid, SpecInvalid
from mappings.records.paths import compile_getter, join_path
from mappings.report import Finding, Severity, ValidationReport
from mappings.syntaxes.xml.schema import check_schema
from mappings.specs.language import Node, Spec
from mappings.specs.transforms import get_transform
from mappings.syntaxes.xml.text import Unrepresentable

__all__ = ["Program", "compile_forward", "run_forward"]

Escape = Callable[[str], str]
Value = Callable[[Any, Any, str, ForwardState], tuple[str | None, bool]]
Kid = Callable[[list[Any], list[str], Any, Any, str, ForwardState], bool]
"""Adds one template child: (output, attributes of the enclosing element, root, scope, scope path, state)."""

_STR = get_transform("text", "").forward
"""The forward of ``text`` (and of the other transforms that write ``str(value)``)."""

_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
"""What :func:`mappings.syntaxes.xml.parse.serialize_xml` writes before the root element."""

_NO_ATTRS: list[str] = []
"""Passed to elements that can have no attribute children; never appended to."""


class _Unsupported(Exception):
    """The spec uses a construct the interpreter does not write (no shipped spec does)."""


def _plain_name(name: str) -> None:
    try:
        xmltext.name(name)
    except Unrepresentable:
        raise _Unsupported(f"the name {name!r} is not a plain NCName") from None


def _raw(text: str) -> str:  # the escape of values that are escaped later (split chunks)
    return text


def _static(escape: Escape, text: str) -> str:
    """Escape a spec constant once, at compile time."""
    try:
        return escape(text)
    except ValueError:  # lxml refuses the constant (UnicodeEncodeError is a ValueError too)
        raise _Unsupported(f"the constant {text!r} is not XML text") from None


def _value(node: Node, escape: Escape) -> Value:
    """A value node: (escaped target text, True when it came from the record)."""
    if node.const is not None:
        constant = (_static(escape, node.const), False)
        return lambda root, scope, sp, st: constant
    if node.source is None:
        raise _Unsupported(f"{node.name} has neither from nor const")
    get = compile_getter(node.source)
    source, forward = node.source, node.transform.forward
    default = None if node.default is None else _static(escape, node.default)
    mode = 0 if source == "." else 1 if source.startswith("$.") else 2
    dotted, as_is = "." + source, forward is _STR

    def value(root: Any, scope: Any, sp: str, st: ForwardState) -> tuple[str | None, bool]:
        v = get(root, scope)
        if v is None or (type(v) is not str and v == []):
            if default is not None:
                st.defaulted.append(sp if mode == 0 else source if mode == 1 else sp + dotted)
                return default, False
            return None, False
        path = sp if mode == 0 else source if mode == 1 else sp + dotted
        st.used.add(path)
        return escape(v if as_is and type(v) is str else forward(v, path, st.ctx)), True

    return value


@dataclass(frozen=True)
class Program:
    """A compiled spec."""

    xml: bool
    """True for XML targets, False for EDIFACT."""
    root: Kid
    """Emits the whole document."""


class _Compiler:
    def __init__(self, spec: Spec) -> None:
        self.xml = spec.syntax == "xml"
        self.namespaces = spec.namespaces
        self.text: Escape = xmltext.forward_text if self.xml else xmltext.forward_check
        self.attr: Escape = xmltext.forward_attribute if self.xml else xmltext.forward_check
        if self.xml:
            uris = list(spec.namespaces.values())
            if len(set(uris)) != len(uris) or "" in uris:
                # A URI with two prefixes (or none) would need lxml's own prefix choice.
                raise _Unsupported("a namespace URI with two prefixes or none")

    def qname(self, name: str) -> str:
        """The name as written in the emitted text (EDIFACT: the tag of its node in the equivalent tree)."""
        prefix, _, local = name.rpartition(":")
        _plain_name(local)
        if prefix:
            _plain_name(prefix)
        if (self.xml and prefix not in self.namespaces) or (not self.xml and prefix):
            raise _Unsupported(f"the prefix of {name!r} is not declared (or is in an EDIFACT template)")
        return f"{prefix}:{local}" if prefix else local

    def element(self, node: Node, start: str | None = None, gated: bool = False) -> Kid:
        """Compile ``forward_oracle._fill`` for ``node`` into a new element (its own attributes: the ``attrs``
        argument is not used). ``gated``: the plain-child branch of ``forward_oracle._children``, which skips the
        element when none of its probes has a value and drops it when nothing from the record went into it."""
        value = _value(node, self.text) if node.source is not None or node.const is not None else None
        kids = tuple(self.kid(c) for c in node.children)
        tag = self.qname(node.name)
        # The oracle skips a subtree none of whose probes has a value. Building it and dropping it (as happens anyway
        # when nothing from the record went in) comes to the same unless a default inside would be noted.
        probes = tuple(compile_getter(p) for p in node.probes) if gated and _defaults_below(node) else ()
        if not self.xml:

            def edi_element(out: list[Any], _: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
                if probes and not _any_value(probes, root, scope):
                    return False  # nothing below can carry a value: the oracle skips the subtree too
                mark = len(out)
                out.append(tag)
                out.append(None)
                has = False
                if value is not None:
                    text, has = value(root, scope, sp, st)
                    out[-1] = text
                for kid in kids:
                    if kid(out, _NO_ATTRS, root, scope, sp, st):
                        has = True
                out.append(None)
                if gated and not has:
                    del out[mark:]
                return has

            return edi_element
        open_attrs = start if start is not None else f"<{tag}"
        open_plain, close = open_attrs + ">", f"</{tag}>"
        with_attrs = _may_set_attributes(node)

        def xml_element(out: list[Any], _: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            if probes and not _any_value(probes, root, scope):
                return False  # nothing below can carry a value: the oracle skips the subtree too
            mark = len(out)
            out.append(open_plain)
            has = False
            if value is not None:
                text, has = value(root, scope, sp, st)
                if text is not None:
                    out.append(text)
            if kids:
                attrs: list[str] = [] if with_attrs else _NO_ATTRS
                for kid in kids:
                    if kid(out, attrs, root, scope, sp, st):
                        has = True
                if attrs:
                    out[mark] = open_attrs + "".join(attrs) + ">"
            if len(out) == mark + 1:
                out[mark] = out[mark][:-1] + "/>"  # lxml writes an element without content as <a/>
            else:
                out.append(close)
            if gated and not has:
                del out[mark:]
            return has

        return xml_element

    def children(self, node: Node) -> Kid:
        """Compile ``forward_oracle._children``."""
        kids = tuple(self.kid(c) for c in node.children)

        def children(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            has = False
            for kid in kids:
                if kid(out, attrs, root, scope, sp, st):
                    has = True
            return has

        return children

    def kid(self, node: Node) -> Kid:
        """Compile one branch of ``forward_oracle._children`` for the child ``node``."""
        if node.is_attr:
            return self.attribute(node)
        if node.each is not None:
            return self.each(node)
        if node.split is not None:
            return self.split(node)
        gated = node.reads_record and not node.always
        if not node.children and node.source is not None and gated:
            return self.record_leaf(node)
        if not node.children and not node.reads_record:
            return self.constant_leaf(node)
        return self.element(node, gated=gated)

    def record_leaf(self, node: Node) -> Kid:
        """A childless element read from the record: present means emitted with data, absent means skipped."""
        assert node.source is not None
        get, source, forward, escape = compile_getter(node.source), node.source, node.transform.forward, self.text
        mode = 0 if source == "." else 1 if source.startswith("$.") else 2
        dotted = "." + source
        tag = self.qname(node.name)
        open_, close, xml = f"<{tag}>", f"</{tag}>", self.xml
        as_is = forward is _STR  # str(value) is the value itself for a string: no call needed
        key = source if mode == 2 and "." not in source else None  # a key of the scope: read without a call
        special = (xmltext.TEXT_SPECIAL if xml else xmltext.BAD).search  # inlined fast path of ``escape``

        def leaf(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            v = scope.get(key) if key is not None and type(scope) is dict else get(root, scope)
            if v is None or (type(v) is not str and v == []):
                return False
            path = sp if mode == 0 else source if mode == 1 else sp + dotted
            st.used.add(path)
            text = v if as_is and type(v) is str else forward(v, path, st.ctx)
            if not text or special(text) is not None:
                text = escape(text)
            if xml:
                out.append(open_ + text + close)
            else:
                out += (tag, text, None)
            return True

        return leaf

    def constant_leaf(self, node: Node) -> Kid:
        """A childless element that reads nothing: always emitted the same way."""
        tag = self.qname(node.name)
        text = None if node.const is None else _static(self.text, node.const)
        if self.xml:
            emitted: tuple[str | None, ...] = (f"<{tag}>{text}</{tag}>" if text is not None else f"<{tag}/>",)
        else:
            emitted = (tag, text, None)

        def constant(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            out += emitted
            return False

        return constant

    def attribute(self, node: Node) -> Kid:
        value, name, xml = _value(node, self.attr), node.name, self.xml
        _plain_name(name)  # no attribute of a shipped spec has a prefix

        def attribute(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            text, from_record = value(root, scope, sp, st)
            if text is not None and xml:
                attrs.append(f' {name}="{text}"')  # EDIFACT segments carry no attributes
            return from_record

        return attribute

    def each(self, node: Node) -> Kid:
        assert node.each is not None
        get, each, always = compile_getter(node.each), node.each, node.always
        if node.inline:
            children = self.children(node)

            def inline(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
                items = get(root, scope)
                if not isinstance(items, list) or not items:
                    return False
                return children(out, attrs, root, items[0], f"{join_path(sp, each)}[0]", st)

            return inline
        element = self.element(node)

        def repeat(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            items = get(root, scope)
            if not isinstance(items, list) or not items:
                return False
            list_path = join_path(sp, each)
            has = False
            for i, item in enumerate(items):
                mark = len(out)
                if element(out, _NO_ATTRS, root, item, f"{list_path}[{i}]", st) or always:
                    has = True
                else:
                    del out[mark:]
            return has

        return repeat

    def split(self, node: Node) -> Kid:
        assert node.split is not None and node.source is not None
        size, most, into = node.split
        value, source, tag, escape = _value(node, _raw), node.source, self.qname(node.name), self.text
        if self.xml and into != "siblings":
            # Component children "c1".. would need lxml's handling of unqualified names.
            raise _Unsupported("split into components in an XML target")
        xml, siblings = self.xml, into == "siblings"

        def split(out: list[Any], attrs: list[str], root: Any, scope: Any, sp: str, st: ForwardState) -> bool:
            text, from_record = value(root, scope, sp, st)
            if text is None:
                return False
            chunks = [text[i : i + size] for i in range(0, len(text), size)] or [""]
            if len(chunks) > most:
                _too_long(join_path(sp, source), len(text), size * most)
            if xml:
                out.extend(f"<{tag}>{escape(chunk)}</{tag}>" for chunk in chunks)
            elif siblings:
                for chunk in chunks:
                    out += (tag, escape(chunk), None)
            else:
                out += (tag, None)
                for i, chunk in enumerate(chunks, 1):
                    out += (f"c{i}", escape(chunk), None)
                out.append(None)
            return from_record

        return split


def _defaults_below(node: Node) -> bool:
    return node.default is not None or any(_defaults_below(c) for c in node.children)


def _may_set_attributes(node: Node) -> bool:
    return any(c.is_attr or (c.inline and _may_set_attributes(c)) for c in node.children)


def _too_long(path: str, length: int, limit: int) -> NoReturn:
    finding = Finding(Severity.ERROR, "TOO_LONG_FOR_TARGET", path, f"{length} characters; the target holds {limit}")
    raise RecordInvalid(f"value too long for the target ({limit} characters)", path=path, report=ValidationReport((finding,)))


def compile_forward(spec: Spec) -> Program:
    """Compile ``spec``'s template; :class:`SpecInvalid` when it uses a construct the interpreter does not write."""
    try:
        compiler = _Compiler(spec)
        start = None
        if compiler.xml:
            # The root's namespace declarations exactly as lxml writes them for the element tree.
            nsmap = {(k or None): v for k, v in spec.namespaces.items() if v}
            empty = etree.tostring(etree.Element(_clark(spec), nsmap=nsmap or None), encoding="unicode")
            start = empty.removesuffix("/>")
        return Program(compiler.xml, compiler.element(spec.template, start))
    except _Unsupported as e:
        raise SpecInvalid(f"profile {spec.profile.id}: the template uses a construct the forward interpreter does not "
                          f"write ({e})", path=f"specs/{spec.profile.id}.json") from None


def _clark(spec: Spec) -> str:
    prefix, _, local = spec.template.name.rpartition(":")
    uri = spec.namespaces.get(prefix, "")
    return f"{{{uri}}}{local}" if uri else local


def run_forward(program: Program, spec: Spec, record: Any, state: ForwardState, ic: Interchange | None = None
                ) -> bytes:
    """Emit, check and serialize ``record`` (EDIFACT in the agreed interchange ``ic``, which profiles.py makes sure
    of)."""
    out: list[Any] = []
    program.root(out, _NO_ATTRS, record, record, "$", state)
    if not program.xml:
        return edifact.serialize_stream(out, ic)  # type: ignore[arg-type]
    text = "".join(out)
    # The escapes make the text parse (checked against every code point), so an Unrepresentable here is a bug.
    tree = state.tree = xmltext.parse(text)
    if spec.schema is not None:
        check_schema(tree, spec.schema)
    # The text is already what lxml writes for this tree (same escapes, <a/> for empty elements, the root's
    # declarations taken from lxml), so serializing the parsed tree again would only reproduce it.
    return _DECLARATION + text.encode("utf-8")


def _any_value(probes: tuple[Callable[[Any, Any], Any], ...], root: Any, scope: Any) -> bool:
    """Whether any probe finds a value (not None, not an empty list) below a gated element."""
    for probe in probes:
        v = probe(root, scope)
        if v is not None and v != []:
            return True
    return False
