"""A readable PDF rendering of a certificate of origin, laid out like the paper form.

The layout is reportlab's (platypus flowables): the numbered boxes of the paper certificate first, then the goods
lines as a table that flows across as many pages as needed with its header repeated, then the declaration and
certification boxes. Chinese text is set in the standard CID font STSong-Light, which PDF readers supply, so no
font is embedded. The rendering is deterministic for a given record and ``created_at``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

__all__ = ["render_certificate_pdf"]

_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(_FONT))

_styles = getSampleStyleSheet()
_BODY = ParagraphStyle("swgw-body", parent=_styles["BodyText"], fontName=_FONT, fontSize=8, leading=10)
_LABEL = ParagraphStyle("swgw-label", parent=_BODY, fontSize=6.5, textColor=colors.HexColor("#444444"))
_TITLE = ParagraphStyle("swgw-title", parent=_styles["Title"], fontName=_FONT, fontSize=14, leading=18)

GOODS_COLUMNS = (
    ("sequence", "No."), ("marks", "Marks and numbers"), ("packages", "Packages"), ("description", "Description"),
    ("hs_code", "HS code"), ("origin_criterion", "Origin criterion"), ("quantity", "Quantity / gross weight"),
    ("invoice", "Invoice number, date, value"),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    # Paragraph takes mini-HTML; escape so that record text can never inject markup.
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _box(label: str, lines: Sequence[Any]) -> list[Paragraph]:
    return [Paragraph(_text(label), _LABEL), *(Paragraph(_text(line), _BODY) for line in lines if line)]


def _party(record: Mapping[str, Any], key: str) -> list[Any]:
    party = record.get(key) or {}
    return [party.get("name"), party.get("address"), party.get("country") and f"Country/region: {party['country']}",
            party.get("id") and f"ID: {party['id']}"]


def _goods_row(item: Mapping[str, Any]) -> list[Paragraph]:
    packages = f"{item.get('package_count', '')} {item.get('package_type', '')}".strip()
    quantity = f"{item.get('quantity', '')} {item.get('quantity_unit', '')}".strip()
    weight = f"{item.get('gross_weight', '')} {item.get('gross_weight_unit', '')}".strip()
    invoice = ", ".join(str(v) for v in (item.get("invoice_number"), item.get("invoice_date"),
                                         f"{item.get('value', '')} {item.get('currency', '')}".strip()) if v)
    cells = {
        "sequence": item.get("sequence"), "marks": item.get("marks"), "packages": packages,
        "description": item.get("description"), "hs_code": item.get("hs_code"),
        "origin_criterion": item.get("origin_criterion"), "quantity": "; ".join(v for v in (quantity, weight) if v),
        "invoice": invoice,
    }
    return [Paragraph(_text(cells[key]), _BODY) for key, _ in GOODS_COLUMNS]


def render_certificate_pdf(record: Mapping[str, Any], *, created_at: datetime) -> bytes:
    """Render a certificate-of-origin catalog record as a PDF (unsigned)."""
    certificate = record.get("certificate") or {}
    transport = record.get("transport") or {}
    out = io.BytesIO()
    number = certificate.get("number", "")
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
        title=f"Certificate of origin {number}", author=str(certificate.get("issuer_name", "")),
        subject=f"{certificate.get('fta', '')} {certificate.get('type', '')}".strip(), creator="swgw",
        invariant=1,  # fixed document id and no wall-clock creation date: same record, same bytes
    )
    width = A4[0] - 24 * mm
    header = Table(
        [
            [_box("1. Exporter", _party(record, "exporter")),
             _box("Certificate No.", [number, f"Version {certificate.get('version', 1)}",
                                      f"{certificate.get('fta', '')} / {certificate.get('type', '')}"])],
            [_box("2. Consignee", _party(record, "consignee")),
             _box("Issued in", [certificate.get("issuer_name"), certificate.get("issue_place"),
                                certificate.get("issue_date")])],
            [_box("3. Producer", _party(record, "producer")),
             _box("Replaces", [certificate.get("replaces_number")] if certificate.get("replaces_number") else ["—"])],
            [_box("4. Means of transport and route", [
                transport.get("mode") and f"Mode: {transport['mode']}", transport.get("means_name"),
                transport.get("journey_id"), transport.get("departure_date") and f"Departure: {transport['departure_date']}",
                " → ".join(p for p in (transport.get("loading_port"), transport.get("discharge_port")) if p)]),
             _box("5. Remarks", [certificate.get("remarks") or "—"])],
        ],
        colWidths=[width * 0.6, width * 0.4],
    )
    header.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    goods = [[Paragraph(_text(title), _LABEL) for _, title in GOODS_COLUMNS]]
    goods += [_goods_row(item) for item in record.get("goods_items") or []]
    shares = (0.05, 0.13, 0.1, 0.25, 0.1, 0.09, 0.13, 0.15)
    table = Table(goods, colWidths=[width * s for s in shares], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    certification = Table(
        [[_box("Declaration by the exporter", ["The undersigned declares that the above details and statement "
                                               "are correct and that the goods meet the origin requirements."]),
          _box("Certification", [f"Signed electronically by {certificate.get('signatory_name', '')}",
                                 f"for {certificate.get('issuer_name', '')}",
                                 f"Rendered {created_at.date().isoformat()} by swgw"])]],
        colWidths=[width * 0.5, width * 0.5],
    )
    certification.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7)
        canvas.drawString(12 * mm, 8 * mm, f"Certificate of origin {number} — page {doc.page}")
        canvas.restoreState()

    document.build(
        [Paragraph("CERTIFICATE OF ORIGIN", _TITLE), Spacer(1, 4 * mm), header, Spacer(1, 4 * mm),
         table, Spacer(1, 4 * mm), certification],
        onFirstPage=footer, onLaterPages=footer,
    )
    return out.getvalue()
