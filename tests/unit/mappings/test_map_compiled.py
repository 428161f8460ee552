"""The forward interpreter (``mappings.specs.forward``) writes exactly what the element-by-element oracle
(``forward_oracle``) builds and lxml serializes, and fails exactly as it does on the values lxml's element API treats
specially."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from forward_oracle import build_tree
from maptest_strategies import profile_fixed, records

from mappings import Interchange, SchemaInvalid, SpecInvalid, list_profiles, load_example
from mappings.syntaxes.edifact import tree as edifact
from mappings.specs.forward import compile_forward, run_forward
from mappings.specs.profiles import _program, _spec
from mappings.specs.state import ForwardState
from mappings.syntaxes.xml.schema import check_schema
from mappings.specs.language import Spec, parse_spec
from mappings.syntaxes.xml.parse import serialize_xml

PROFILES = [p.id for p in list_profiles()]
# UTF-8, so that any text the catalog allows can be written.
INTERCHANGE = Interchange(sender="CN", recipient="MO", syntax_identifier="UNOW")


def _reference(profile_id: str, record: dict[str, Any]) -> tuple[bytes, ForwardState]:
    spec = _spec(profile_id)
    state = ForwardState()
    tree = build_tree(spec, record, state)
    if spec.syntax == "edifact":
        return edifact.serialize_tree(tree, INTERCHANGE), state
    if spec.schema is not None:
        check_schema(tree, spec.schema)
    return serialize_xml(tree), state


def _compiled(profile_id: str, record: dict[str, Any]) -> tuple[bytes, ForwardState]:
    state = ForwardState()
    return run_forward(_program(profile_id), _spec(profile_id), record, state, INTERCHANGE), state


def _assert_same(profile_id: str, record: dict[str, Any]) -> None:
    (doc, state), (ref_doc, ref_state) = _compiled(profile_id, record), _reference(profile_id, record)
    assert doc == ref_doc
    assert state.used == ref_state.used
    assert state.defaulted == ref_state.defaulted
    assert state.ctx.codelist_versions == ref_state.ctx.codelist_versions


@pytest.mark.parametrize("profile_id", PROFILES)
def test_every_shipped_profile_compiles(profile_id: str) -> None:
    assert _program(profile_id).xml == (_spec(profile_id).syntax == "xml")


def test_a_template_the_interpreter_cannot_write_is_refused_when_compiled() -> None:
    # One namespace URI under two prefixes would leave the prefix to lxml's choice: refused, never guessed.
    raw = {**_XML_SPEC, "namespaces": {"": "urn:t", "p": "urn:t"}}
    with pytest.raises(SpecInvalid) as caught:
        compile_forward(parse_spec(raw, "specs/synthetic.json"))
    assert caught.value.path == "specs/t-xml.json"


@pytest.mark.parametrize("profile_id", PROFILES)
def test_compiled_forward_equals_reference(profile_id: str) -> None:
    spec = _spec(profile_id)
    fixed = profile_fixed(spec)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(records(spec.profile.document_type, fixed, spec.single_lists))
    def check(record: dict[str, Any]) -> None:
        _assert_same(profile_id, record)

    check()


def test_markup_characters_are_escaped_not_handed_over() -> None:
    record = load_example("coo-cn-hk")
    record["exporter"]["name"] = 'A & B <c> "q" \'a\' ]]> tab\there\r\nline'
    record["certificate"]["remarks"] = "\u00e4\u4e2d\U0001f600 \x7f\x85\u2028"
    _assert_same("coo-ubl24-cepa-hk", record)


def test_values_lxml_refuses_fail_as_lxml_fails() -> None:
    record = load_example("coo-cn-hk")
    record["exporter"]["name"] = "lone \ud800 surrogate"
    with pytest.raises(UnicodeEncodeError) as reference:
        _reference("coo-ubl24-cepa-hk", record)
    with pytest.raises(UnicodeEncodeError) as compiled:
        _compiled("coo-ubl24-cepa-hk", record)
    assert str(compiled.value) == str(reference.value)


def test_control_characters_in_edifact_fail_as_lxml_fails() -> None:
    record = load_example("manifest-cn-mo")
    record["consignments"][0]["goods_items"][0]["description"] = "bell \x07"
    with pytest.raises(ValueError) as reference:
        _reference("manifest-cuscar-d96b", record)
    with pytest.raises(ValueError) as compiled:
        _compiled("manifest-cuscar-d96b", record)
    assert str(compiled.value) == str(reference.value)


def test_an_empty_text_is_written_and_refused_as_lxml_does() -> None:
    # lxml keeps an empty text node and writes <a></a>; the schema refuses the empty name either way.
    record = load_example("coo-cn-hk")
    record["exporter"]["name"] = ""
    with pytest.raises(SchemaInvalid) as reference:
        _reference("coo-ubl24-cepa-hk", record)
    with pytest.raises(SchemaInvalid) as compiled:
        _compiled("coo-ubl24-cepa-hk", record)
    assert (compiled.value.message, compiled.value.path) == (reference.value.message, reference.value.path)


# Synthetic templates exercise what no shipped spec uses yet (defaults inside skipped subtrees, ``always``,
# plain-value lists, inline lists, siblings and components, absolute paths) on records with gaps and odd values.
_XML_SPEC = {
    "id": "t-xml", "document_type": "t", "format": "f", "agreement": "a", "description": "d", "syntax": "xml",
    "signature": "enveloped",
    "namespaces": {"": "urn:t", "p": "urn:p"},
    "template": {"el": "Root", "children": [
        {"el": "p:Const", "const": "1"},
        {"el": "p:A", "from": "a", "default": "DA"},
        {"el": "p:Box", "children": [
            {"attr": "k", "from": "b.k", "default": "DK"},
            {"el": "p:B", "from": "b.v"},
            {"el": "p:Empty"},
            {"el": "p:C", "const": "c"}]},
        {"el": "p:Always", "always": True, "children": [{"el": "p:D", "from": "d"}, {"attr": "z", "const": "q"}]},
        {"el": "p:Item", "each": "items", "children": [
            {"el": "p:V", "from": "v", "default": "DV"}, {"attr": "n", "from": "n"}, {"el": "p:Abs", "from": "$.a"}]},
        {"el": "p:Vals", "each": "vals", "from": "."},
        {"el": "p:Inl", "children": [{"el": "One", "each": "one", "inline": True, "children": [
            {"attr": "o", "from": "o"}, {"el": "p:O", "from": "o"}]}]},
        {"el": "p:S", "from": "long", "split": {"size": 3, "max": 3, "into": "siblings"}},
    ]},
}
_EDI_SPEC = {
    "id": "t-edi", "document_type": "t", "format": "f", "agreement": "a", "description": "d", "syntax": "edifact",
    "signature": "none",
    "template": {"el": "Interchange", "children": [
        {"el": "UNB", "children": [{"el": "e1", "children": [{"el": "c1", "const": "UNOW"}, {"el": "c2", "const": "4"}]},
                                   {"el": "e2", "from": "a", "default": "X"}]},
        {"el": "UNH", "children": [{"el": "e1", "const": "1"}]},
        {"el": "SG1", "each": "items", "children": [
            {"el": "GID", "children": [{"el": "e1", "from": "v"}, {"el": "e3", "from": "n", "transform": "integer"}]},
            {"el": "FTX", "children": [{"el": "e1", "const": "AAA"}, {"el": "e4", "from": "$.long",
                                        "split": {"size": 3, "max": 3, "into": "components"}}]}]},
        {"el": "FTX", "children": [{"el": "e1", "const": "BBB"}, {"el": "e2", "from": "d"}]},
        {"el": "LOC", "each": "vals", "children": [{"el": "e2", "from": "."}]},
        {"el": "UNT", "children": [{"el": "e1", "const": "0"}, {"el": "e2", "const": "1"}]},
        {"el": "UNZ", "children": [{"el": "e1", "const": "0"}]},
    ]},
}
_TEXTS = st.sampled_from(["x", "AB", "", " ", "a&b<c>", 'q"\'', "tab\t", "cr\r\nlf", "long value here", "\x01", "\u00e4"])
_VALUES = _TEXTS | st.none() | st.just([]) | st.integers(-5, 5)
_RECORDS = st.fixed_dictionaries({}, optional={
    "a": _VALUES, "d": _VALUES, "long": _VALUES,
    "b": st.fixed_dictionaries({}, optional={"k": _VALUES, "v": _VALUES}) | _VALUES,
    "items": st.lists(st.fixed_dictionaries({}, optional={"v": _VALUES, "n": _VALUES}), max_size=3) | _VALUES,
    "vals": st.lists(_VALUES, max_size=3),
    "one": st.lists(st.fixed_dictionaries({}, optional={"o": _VALUES}), max_size=2) | _VALUES,
})


def _outcome(run: Any) -> tuple[Any, ...]:
    try:
        document, state = run()
    except Exception as e:  # noqa: BLE001 - the point is that both sides fail alike
        return ("error", type(e).__name__, str(e))
    return ("ok", document, sorted(state.used), state.defaulted, dict(state.ctx.codelist_versions))


def _spec_reference(spec: Spec, record: Any) -> tuple[bytes, ForwardState]:
    state = ForwardState()
    tree = build_tree(spec, record, state)
    return (serialize_xml(tree) if spec.syntax == "xml" else edifact.serialize_tree(tree, INTERCHANGE)), state


def _spec_compiled(spec: Spec, record: Any) -> tuple[bytes, ForwardState]:
    state = ForwardState()
    return run_forward(compile_forward(spec), spec, record, state, INTERCHANGE), state


@pytest.mark.parametrize("raw", [_XML_SPEC, _EDI_SPEC], ids=["xml", "edifact"])
def test_compiled_forward_equals_reference_on_synthetic_templates(raw: dict[str, Any]) -> None:
    spec = parse_spec(raw, "specs/synthetic.json")

    @settings(max_examples=300, deadline=None)
    @given(_RECORDS)
    def check(record: dict[str, Any]) -> None:
        assert _outcome(lambda: _spec_compiled(spec, record)) == _outcome(lambda: _spec_reference(spec, record))

    check()
