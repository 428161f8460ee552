"""The spec interpreter, reverse: document tree -> record.

The reader walks the same template as the forward run. For each template element it claims the first unclaimed
document element with that name whose constants (the node's ``keys``) match, so same-named siblings (an invoice
reference and a replaced-certificate reference, ``DTM+137`` and ``DTM+189``) land where they belong.

The template is compiled once per profile (:func:`compile_reader`) into one closure per node, with names resolved,
match keys pre-split and each node's branch decided, so a reading pays only for the document it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from mappings.specs.state import Names, ReverseState, compile_match, doc_path
from mappings.errors import CodeUnmapped, DocumentMalformed
from mappings.records.paths import compile_getter, compile_setter, join_path, path_steps, set_path
from mappings.report import Finding, Severity
from mappings.specs.language import Node, Spec
from mappings.specs.transforms import get_transform

__all__ = ["Reader", "ReverseState", "compile_reader", "read_tree", "unread_paths"]


class _Run:
    """One reading: the state it fills and the namespace prefixes for document paths in messages."""

    __slots__ = ("consumed", "ctx", "prefixes", "state")

    def __init__(self, state: ReverseState, prefixes: dict[str, str]) -> None:
        self.state = state
        self.consumed = state.consumed
        self.ctx = state.ctx
        self.prefixes = prefixes

    def where(self, el: etree._Element, attr: str | None) -> str:
        # Document paths cost a walk up the tree, so they are computed only when a message needs one.
        return doc_path(self.prefixes, el) + (f"/@{attr}" if attr else "")


Index = dict[Any, list[etree._Element]]
"""An element's children by tag, in document order (built once per element: far cheaper than lxml's tag lookups)."""
Kid = Callable[[_Run, etree._Element, Index, dict[str, Any], Any, str], None]
"""Reads one template child inside an element: (run, element, its children by tag, record, scope, scope path)."""

Element = Callable[[_Run, etree._Element, Index | None, dict[str, Any], Any, str], None]
"""A :data:`Kid` for an element node that, given no index (None), reads the element it is given itself."""

_AS_IS = get_transform("text", "").reverse
"""The reverse of ``text`` (and of the other transforms that keep the document's text as it is)."""


Store = Callable[[_Run, str, dict[str, Any], Any, str, etree._Element, str | None], None]
Default = Callable[[_Run, dict[str, Any], Any, str], None]


def _ignore_default(run: _Run, root: dict[str, Any], scope: Any, sp: str) -> None:
    return None


class _Compiler:
    def __init__(self, spec: Spec) -> None:
        self.names = Names(spec.namespaces)

    def store(self, node: Node) -> Store:
        assert node.source is not None
        source, reverse, keep = node.source, node.transform.reverse, node.reverse
        as_is = reverse is _AS_IS  # the reverse of ``text`` hands the text on: no call needed
        put = compile_setter(source) if source != "." else None

        def store(run: _Run, raw: str, root: dict[str, Any], scope: Any, sp: str, el: etree._Element, attr: str | None) -> None:
            if as_is:
                value: Any = raw
            else:
                try:
                    value = reverse(raw, "", run.ctx)
                except CodeUnmapped as e:
                    raise CodeUnmapped(e.message, path=run.where(el, attr)) from None
            if not keep:
                return
            if put is None:
                # A list of plain values keeps each value under "." in its slot until the list is assembled.
                scope["."] = value
                return
            previous = put(root, scope, value)
            if previous is not None and previous != value:
                message = f"{join_path(sp, source)} also given as {previous!r}; kept it"
                run.state.findings.append(Finding(Severity.WARNING, "INCONSISTENT_VALUE", run.where(el, attr), message))
                put(root, scope, previous)

        return store

    def default(self, node: Node) -> Default:
        if node.source is None or node.default is None or not node.reverse:
            return _ignore_default
        source, text, where, reverse = node.source, node.default, node.where, node.transform.reverse
        get, put = compile_getter(source), compile_setter(source)

        def default(run: _Run, root: dict[str, Any], scope: Any, sp: str) -> None:
            if get(root, scope) is None:
                put(root, scope, reverse(text, where, run.ctx))
                run.state.defaulted.append(join_path(sp, source))

        return default

    def element(self, node: Node) -> Element:
        """Read an element node: claim the first unclaimed matching element of its name (or, given no index, the
        element itself), store its text (or the default), read its children; the default when there is none."""
        tag, match, default = self.names.tag(node.name), compile_match(self.names, node), self.default(node)
        kids = tuple(self.kid(c) for c in node.children)
        indexed = any(not c.is_attr for c in node.children)
        store = self.store(node) if node.source is not None else None

        def element(run: _Run, el: etree._Element, index: Index | None, root: dict[str, Any], scope: Any, sp: str) -> None:
            consumed = run.consumed
            if index is None:
                c = el
            else:
                for c in index.get(tag, ()):
                    if c not in consumed and (match is None or match(c)):
                        break
                else:
                    default(run, root, scope, sp)
                    return
            consumed.add(c)
            if store is not None:
                text = c.text
                if text:
                    store(run, text, root, scope, sp, c, None)
                else:
                    # An empty element (<ID/>) carries no value: treat it as absent, as the catalog does with null.
                    default(run, root, scope, sp)
            if kids:
                # The children by tag, in document order: far cheaper than lxml's tag lookups. (Built inline, from
                # c[:] rather than iterating c: per element read, calls and lxml iterators are much of the cost.)
                inner: Index = {}
                if indexed:
                    for child in c[:]:
                        t = child.tag
                        if t in inner:
                            inner[t].append(child)
                        else:
                            inner[t] = [child]
                for kid in kids:
                    kid(run, c, inner, root, scope, sp)

        return element

    def children(self, node: Node) -> Kid:
        kids = tuple(self.kid(c) for c in node.children)

        def children(run: _Run, el: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            for kid in kids:
                kid(run, el, index, root, scope, sp)

        return children

    def kid(self, node: Node) -> Kid:
        """Read the child ``node`` inside an element: claim the first unclaimed matching element, else the default."""
        if node.is_attr:
            return self.attribute(node)
        if node.each is not None:
            return self.inline(node) if node.inline else self.each(node)
        if node.split is not None:
            return self.split(node)
        return self.element(node) if node.children else self.leaf(node)

    def leaf(self, node: Node) -> Kid:
        """:meth:`element` for a childless element (most of a document's elements), without its index. A kept
        value under a one- or two-key path is stored here, without :meth:`store` and the setter: per value read,
        the calls are much of the cost."""
        tag, match, default = self.names.tag(node.name), compile_match(self.names, node), self.default(node)
        store = self.store(node) if node.source is not None else None
        source, reverse, as_is = node.source or ".", node.transform.reverse, node.transform.reverse is _AS_IS
        absolute, keys = path_steps(source)
        direct = store is not None and node.reverse and source != "." and len(keys) <= 2
        first, key = (keys[0], keys[1]) if direct and len(keys) == 2 else (None, keys[0] if keys else "")

        def leaf(run: _Run, el: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            consumed = run.consumed
            for c in index.get(tag, ()):
                if c not in consumed and (match is None or match(c)):
                    consumed.add(c)
                    if store is None:
                        return
                    text = c.text
                    if not text:
                        default(run, root, scope, sp)  # an empty element (<ID/>) carries no value, see element
                    elif not direct:
                        store(run, text, root, scope, sp, c, None)
                    else:
                        try:
                            value: Any = text if as_is else reverse(text, "", run.ctx)
                        except CodeUnmapped as e:
                            raise CodeUnmapped(e.message, path=run.where(c, None)) from None
                        obj = root if absolute else scope
                        if first is not None:
                            nxt = obj.get(first)
                            if not isinstance(nxt, dict):
                                nxt = obj[first] = {}
                            obj = nxt
                        previous = obj.get(key)
                        obj[key] = value
                        if previous is not None and previous != value:
                            message = f"{join_path(sp, source)} also given as {previous!r}; kept it"
                            run.state.findings.append(
                                Finding(Severity.WARNING, "INCONSISTENT_VALUE", run.where(c, None), message))
                            obj[key] = previous
                    return
            default(run, root, scope, sp)

        return leaf

    def candidates(self, node: Node) -> Callable[[_Run, Index], list[etree._Element]]:
        tag, match = self.names.tag(node.name), compile_match(self.names, node)

        def candidates(run: _Run, index: Index) -> list[etree._Element]:
            consumed = run.consumed
            return [c for c in index.get(tag, ()) if c not in consumed and (match is None or match(c))]

        return candidates

    def attribute(self, node: Node) -> Kid:
        name, default = node.name, self.default(node)
        store = self.store(node) if node.source is not None else None

        def attribute(run: _Run, el: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            raw = el.get(name)
            if raw is None:
                default(run, root, scope, sp)
                return
            run.consumed.add((el, name))
            if store is not None:
                store(run, raw, root, scope, sp, el, name)

        return attribute

    def split(self, node: Node) -> Kid:
        assert node.split is not None
        candidates, default, store, siblings = self.candidates(node), self.default(node), self.store(node), node.split[2] == "siblings"

        def split(run: _Run, el: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            found = candidates(run, index)
            if not found:
                default(run, root, scope, sp)
                return
            if siblings:
                parts = found
            else:
                found = found[:1]
                parts = list(found[0])
            for part in [*found, *parts]:
                run.consumed.add(part)
            joined = "".join(p.text or "" for p in parts)
            if not joined:
                # An empty position (EDIFACT "++") means the value is absent, not an empty string.
                default(run, root, scope, sp)
                return
            store(run, joined, root, scope, sp, found[0], None)

        return split

    def inline(self, node: Node) -> Kid:
        """An inline scope: its children sit in ``el`` and fill the single entry of a one-entry list."""
        assert node.each is not None
        each, get, children = node.each, compile_getter(node.each), self.children(node)

        def inline(run: _Run, el: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            items = get(root, scope)
            fresh = not isinstance(items, list) or not items
            slot: dict[str, Any] = {} if fresh else items[0]
            children(run, el, index, root, slot, f"{join_path(sp, each)}[0]")
            if fresh and slot:
                set_path(root, scope, each, [slot])

        return inline

    def each(self, node: Node) -> Kid:
        assert node.each is not None
        each, get, number = node.each, compile_getter(node.each), node.number
        candidates, read, join = self.candidates(node), self.element(node), self.join(node)

        def repeat(run: _Run, parent: etree._Element, index: Index, root: dict[str, Any], scope: Any, sp: str) -> None:
            existing = get(root, scope)
            items: list[Any] = existing if isinstance(existing, list) else []
            list_path = join_path(sp, each)
            for position, el in enumerate(candidates(run, index)):
                joined = join(run, el, items, position) if join is not None else None
                target = None if joined is None else joined[1]
                at = len(items) if joined is None else joined[0]
                slot: dict[str, Any] = target if target is not None else {}
                read(run, el, None, root, slot, f"{list_path}[{at}]")
                if number is not None and number not in slot:
                    slot[number] = at + 1
                    run.state.defaulted.append(f"{list_path}[{at}].{number}")
                if target is None:
                    items.append(slot["."] if set(slot) == {"."} else slot)
            if items:
                set_path(root, scope, each, items)

        return repeat

    def join(self, node: Node) -> Callable[[_Run, etree._Element, list[Any], int], tuple[int, dict[str, Any]] | None] | None:
        """The list entry an ``each`` element merges into (``join_on``) and its position, None for a new entry."""
        key = node.join_on
        if key is None:
            return None
        if key == "#":

            def by_position(run: _Run, el: etree._Element, items: list[Any], position: int) -> tuple[int, dict[str, Any]] | None:
                # Join by position: the n-th element of this node completes the n-th entry read before (named, in
                # paths, by the first entry equal to it).
                entry = items[position] if position < len(items) else None
                return (items.index(entry), entry) if isinstance(entry, dict) else None

            return by_position
        carriers = tuple(
            (self.names.tag(c.name), c.transform.reverse, c.where) for c in node.children if c.source == key and not c.is_attr
        )

        def by_key(run: _Run, el: etree._Element, items: list[Any], position: int) -> tuple[int, dict[str, Any]] | None:
            for tag, reverse, where in carriers:
                for c in el[:]:
                    if c.tag == tag:
                        value = reverse(c.text or "", where, run.ctx)
                        # The first entry with the key (a plain loop: this runs once per element and entry).
                        for at, it in enumerate(items):
                            if isinstance(it, dict) and it.get(key) == value:
                                return at, it
                        return None
            return None

        return by_key


class Reader:
    """A spec's template compiled for reading (see :func:`compile_reader`)."""

    def __init__(self, spec: Spec) -> None:
        compiler = _Compiler(spec)
        self.name = spec.template.name
        self.tag = compiler.names.tag(spec.template.name)
        self.prefixes = {v: k for k, v in spec.namespaces.items() if v}
        self.read = compiler.element(spec.template)


def compile_reader(spec: Spec) -> Reader:
    """Compile ``spec``'s template for reading documents back (do it once per profile)."""
    return Reader(spec)


def read_tree(reader: Reader, doc: etree._Element, state: ReverseState) -> dict[str, Any]:
    """Read ``doc`` back into a record following the reader's template."""
    if doc.tag != reader.tag:
        raise DocumentMalformed(f"root element is {doc.tag!r}, expected {reader.name!r}", path="/")
    record: dict[str, Any] = {}
    reader.read(_Run(state, reader.prefixes), doc, None, record, record, "$")
    return record


def unread_paths(reader: Reader, doc: etree._Element, state: ReverseState) -> tuple[str, ...]:
    """Return the document paths of values the template did not read (the reverse loss report's ``dropped``)."""
    consumed, prefixes = state.consumed, reader.prefixes
    out: list[str] = []
    # Elements only (comments and processing instructions carry no business data); keys() is much cheaper than
    # iterating el.attrib, which builds a proxy per element.
    for el in doc.iter(etree.Element):
        if el not in consumed and (el.text or "").strip():
            out.append(doc_path(prefixes, el))
        for attr in el.keys():
            if (el, attr) not in consumed:
                out.append(f"{doc_path(prefixes, el)}/@{attr}")
    return tuple(out)
