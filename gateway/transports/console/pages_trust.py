"""Trust certificates: the list with state and expiry, one certificate with its chain, and the actions add,
activate, retire, revoke and import CRL, each shown for confirmation before it is done."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

import trust
from trust import CertificateRole, CertificateState

from ...core.errors import EnvelopeInvalid
from ...core.ports import Role, StoredTrustedCertificate
from ...core.trust_export import load_certificates
from .web import context, current_actor, notify, requires, utc_time

__all__ = ["blueprint"]

blueprint = Blueprint("trust", __name__)

#: The state changes offered, with the role each needs: revoking is an incident action, the rest change trust.
_CHANGES = {"activate": (CertificateState.ACTIVE, Role.ADMINISTRATOR),
            "retire": (CertificateState.RETIRING, Role.ADMINISTRATOR),
            "revoke": (CertificateState.REVOKED, Role.OPERATOR)}


@dataclass(frozen=True)
class CertificateView:
    """A trust row with what a person reads from its certificate."""

    record: StoredTrustedCertificate
    """The stored row."""
    subject: str
    """Subject, RFC 4514."""
    issuer: str
    """Issuer, RFC 4514."""
    not_before: datetime
    """Start of validity."""
    not_after: datetime
    """End of validity."""
    days_left: int
    """Days until the end of validity (negative when expired)."""


def _view(record: StoredTrustedCertificate) -> CertificateView:
    cert = x509.load_der_x509_certificate(record.certificate_der)
    return CertificateView(record, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(),
                           cert.not_valid_before_utc, cert.not_valid_after_utc,
                           (cert.not_valid_after_utc - context().clock.now()).days)


def _find(partner: str, fingerprint: str) -> StoredTrustedCertificate:
    for record in context().operations.trustbook.records(partner):
        if record.fingerprint == fingerprint:
            return record
    abort(404)


def _chain(record: StoredTrustedCertificate) -> list[CertificateView]:
    """The certificate and the issuers above it among the partner's stored certificates, up to a self-signed one."""
    views = {r.fingerprint: _view(r) for r in context().operations.trustbook.records(record.partner)}
    chain = [views[record.fingerprint]]
    while chain[-1].issuer != chain[-1].subject and len(chain) < 8:
        issuer = next((v for v in views.values() if v.subject == chain[-1].issuer and v not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
    return chain


@blueprint.get("/trust")
def certificates() -> str:
    """Every partner's trust certificates with role, state and expiry."""
    partner = request.args.get("partner") or None
    views = [_view(r) for r in context().operations.trustbook.records(partner)]
    return render_template("trust.html", title="Trust certificates", certificates=views, partner=partner,
                           partners=[p.name for p in context().operations.partners()])


@blueprint.get("/trust/<partner>/<fingerprint>")
def certificate(partner: str, fingerprint: str) -> str:
    """One certificate, its chain and the actions on it."""
    record = _find(partner, fingerprint)
    return render_template("certificate.html", title="Certificate", view=_view(record), chain=_chain(record),
                           changes=_CHANGES)


@blueprint.route("/trust/<partner>/<fingerprint>/<change>", methods=["GET", "POST"])
def change_state(partner: str, fingerprint: str, change: str) -> BaseResponse | str | tuple[str, int]:
    """Confirm, then activate, retire or revoke a certificate."""
    if change not in _CHANGES:
        abort(404)
    state, role = _CHANGES[change]
    return requires(role)(_change_state)(partner, fingerprint, change, state)


def _change_state(partner: str, fingerprint: str, change: str, state: CertificateState) -> BaseResponse | str:
    view = _view(_find(partner, fingerprint))
    if request.method == "GET":
        warning = {"revoke": "From now on nothing signed with this certificate or issued under it is accepted "
                             "from this partner, on every replica.",
                   "retire": "The certificate is still accepted on receive but no longer used for sending.",
                   "activate": "Documents signed under this certificate are accepted from now on."}[change]
        return render_template(
            "confirm.html", title=f"{change.capitalize()} certificate", subject=view.subject,
            facts=[("Partner", partner), ("Fingerprint", fingerprint), ("Role", view.record.role.value),
                   ("State", view.record.state.value), ("Valid until", f"{view.not_after:%Y-%m-%d %H:%M} UTC")],
            warning=warning, button=f"{change.capitalize()} certificate", back=url_for(
                "trust.certificate", partner=partner, fingerprint=fingerprint),
            action=url_for("trust.change_state", partner=partner, fingerprint=fingerprint, change=change),
            fields=[{"name": "reason", "label": "Reason (kept in the audit log)", "value": "keyCompromise"},
                    {"name": "effective_at", "label": "Revoked from (UTC; empty: now)", "value": "",
                     "type": "datetime-local"}] if change == "revoke" else [])
    context().operations.change_trust_state(
        partner, fingerprint, state, actor=current_actor(), reason=(request.form.get("reason") or "").strip() or None,
        effective_at=utc_time(request.form.get("effective_at"), "effective_at"))
    notify("ok", f"Certificate {fingerprint[:16]}… of {partner} is now {state.value}.")
    return redirect(url_for("trust.certificate", partner=partner, fingerprint=fingerprint))


def _upload(field: str) -> bytes:
    """An uploaded file, or on the confirm step the same bytes carried back in a hidden field."""
    carried = request.form.get(f"{field}_b64")
    if carried:
        try:
            return base64.b64decode(carried, validate=True)
        except binascii.Error:
            raise EnvelopeInvalid("the confirmed file was altered", field_path=field) from None
    upload = request.files.get(field)
    data = upload.read() if upload is not None else b""
    if not data:
        raise EnvelopeInvalid("choose a file", field_path=field)
    return data


@blueprint.route("/trust/add", methods=["GET", "POST"])
@requires(Role.ADMINISTRATOR)
def add() -> BaseResponse | str:
    """Upload a certificate, check what it is, confirm, add."""
    partners = [p.name for p in context().operations.partners()]
    if request.method == "GET":
        return render_template("trust_add.html", title="Add a trust certificate", partners=partners,
                               roles=[r.value for r in CertificateRole])
    partner, role = request.form.get("partner", ""), request.form.get("role", "")
    if partner not in partners:
        raise EnvelopeInvalid(f"no agreement with partner {partner!r}", field_path="partner")
    if role not in [r.value for r in CertificateRole]:
        raise EnvelopeInvalid(f"unknown role {role!r}", field_path="role")
    data = _upload("certificate")
    valid_from = utc_time(request.form.get("valid_from"), "valid_from")
    if request.form.get("confirmed") != "yes":
        try:
            certs = load_certificates(data)
        except ValueError as e:
            raise EnvelopeInvalid(f"not a PEM or DER certificate: {e}", field_path="certificate") from e
        if len(certs) != 1:
            raise EnvelopeInvalid("give exactly one certificate", field_path="certificate")
        cert = certs[0]
        problem = trust.ca_problem(cert) if role != CertificateRole.PINNED.value else None
        return render_template(
            "confirm.html", title="Add trust certificate", subject=cert.subject.rfc4514_string(),
            facts=[("Partner", partner), ("Role", role), ("Issuer", cert.issuer.rfc4514_string()),
                   ("State", f"pending until {valid_from:%Y-%m-%d %H:%M} UTC" if valid_from else "active now"),
                   ("Fingerprint (SHA-256)", trust.fingerprint(cert)),
                   ("Valid", f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}")],
            warning=(f"This is not a CA certificate ({problem}); it will be refused as {role}." if problem else
                     f"Documents from {partner} signed under this certificate will be accepted."),
            action=url_for("trust.add"), button="Add certificate", back=url_for("trust.add"),
            fields=[], hidden=[("partner", partner), ("role", role), ("confirmed", "yes"),
                               ("valid_from", request.form.get("valid_from") or ""),
                               ("certificate_b64", base64.b64encode(data).decode())])
    record = context().operations.add_trust(partner, data, role=CertificateRole(role), actor=current_actor(),
                                            valid_from_use=valid_from)
    notify("ok", f"Certificate {record.fingerprint[:16]}… added to {partner}'s trust ({record.state.value}).")
    return redirect(url_for("trust.certificate", partner=partner, fingerprint=record.fingerprint))


@blueprint.route("/trust/crl", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def import_crl() -> BaseResponse | str:
    """Upload a partner CA's CRL, see what it revokes, confirm, import."""
    partners = [p.name for p in context().operations.partners()]
    if request.method == "GET":
        return render_template("crl.html", title="Import a CRL", partners=partners)
    partner = request.form.get("partner", "")
    if partner not in partners:
        raise EnvelopeInvalid(f"no agreement with partner {partner!r}", field_path="partner")
    data = _upload("crl")
    if request.form.get("confirmed") != "yes":
        try:
            crl = x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----") else x509.load_der_x509_crl(data)
        except ValueError as e:
            raise EnvelopeInvalid(f"not a PEM or DER CRL: {e}", field_path="crl") from e
        return render_template(
            "confirm.html", title="Import CRL", subject=crl.issuer.rfc4514_string(),
            facts=[("Partner", partner), ("Revoked serials", str(len(crl))),
                   ("This update", f"{crl.last_update_utc:%Y-%m-%d %H:%M} UTC"),
                   ("Next update", f"{crl.next_update_utc:%Y-%m-%d %H:%M} UTC" if crl.next_update_utc else "-")],
            warning="Certificates this CRL lists are refused from now on; its signature is checked on import.",
            action=url_for("trust.import_crl"), button="Import CRL", back=url_for("trust.import_crl"), fields=[],
            hidden=[("partner", partner), ("confirmed", "yes"), ("crl_b64", base64.b64encode(data).decode())])
    info = context().operations.import_crl(partner, data, actor=current_actor())
    notify("ok", f"CRL of {info.issuer.rfc4514_string()} imported for {partner}: "
                 f"{len(info.revoked_serials)} revoked serials.")
    return redirect(url_for("trust.certificates", partner=partner))
