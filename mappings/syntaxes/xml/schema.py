"""Target schema validation against the project's own shipped XSDs (``data/schemas/``).

Schemas are loaded from the package's files, their ``xsd:import``s resolved by libxml2 next to them (the shipped
imports are sibling file names; a test keeps them so) and never from the network. Only a package that is not a
directory on disk (a zip) goes through an lxml resolver serving package data.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lxml import etree

from mappings._data import data_file
from mappings.errors import SchemaInvalid, SpecInvalid
from mappings.report import Finding, Severity, ValidationReport

__all__ = ["check_schema", "preload_schema", "validate_schema"]

_SCHEME = "swgw-schema:"
_local = threading.local()
# Loads are serialised: libxml2's schema parser is not safe to run in several threads at once. And a load made
# through a custom lxml resolver can fail ("QName ... does not resolve") while other threads parse or validate at
# the same moment, so the resolver is used only where there is no file to load from. Loads are rare (once per
# thread and schema); validation stays concurrent.
_load_lock = threading.Lock()


class _PackageResolver(etree.Resolver):
    """Serves ``swgw-schema:<relative path>`` (and relative imports below it) from ``data/schemas``."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if system_url is not None and system_url.startswith(_SCHEME):
            relative = system_url.removeprefix(_SCHEME).lstrip("/")
            return self.resolve_string(data_file(f"schemas/{relative}").read_bytes(), context, base_url=system_url)
        # Anything else (http:, file:, absolute paths) is refused by returning an empty schema-less document.
        return self.resolve_string(b"<refused/>", context)


def _load(relative: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    source = data_file(f"schemas/{relative}")
    try:
        with _load_lock:
            if isinstance(source, Path):
                doc = etree.parse(str(source), parser=parser)
            else:
                parser.resolvers.add(_PackageResolver())
                doc = etree.ElementTree(etree.fromstring(source.read_bytes(), parser=parser,
                                                         base_url=f"{_SCHEME}{relative}"))
            return etree.XMLSchema(doc)
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as e:
        raise SpecInvalid(f"cannot load schema: {e}", path=f"mappings/data/schemas/{relative}") from e


def _schema(relative: str) -> etree.XMLSchema:
    # XMLSchema objects keep a validation context; one per thread keeps concurrent validations apart.
    cache: dict[str, etree.XMLSchema] | None = getattr(_local, "schemas", None)
    if cache is None:
        cache = {}
        _local.schemas = cache
    schema = cache.get(relative)
    if schema is None:
        schema = _load(relative)
        cache[relative] = schema
    return schema


def preload_schema(relative: str) -> None:
    """Load the shipped schema ``data/schemas/<relative>`` for the calling thread now; raise :class:`SpecInvalid`
    when it cannot be loaded."""
    _schema(relative)


def validate_schema(root: etree._Element, relative: str) -> ValidationReport:
    """Validate ``root`` against the shipped schema ``data/schemas/<relative>`` and report each violation."""
    schema = _schema(relative)
    if schema.validate(root):
        return ValidationReport(())
    findings = tuple(
        Finding(Severity.ERROR, "SCHEMA_VIOLATION", e.path or f"line {e.line}", e.message) for e in schema.error_log
    )
    return ValidationReport(findings)


def check_schema(root: etree._Element, relative: str) -> None:
    """Raise :class:`SchemaInvalid` (with the report) when ``root`` breaks the shipped schema."""
    report = validate_schema(root, relative)
    if not report.ok:
        first = report.errors[0]
        raise SchemaInvalid(f"document breaks schema {relative}: {first.message}", path=first.path, report=report)
