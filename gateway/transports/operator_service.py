"""OperatorService: partner agreements, trust certificates, audit log and the message book."""

from __future__ import annotations

from datetime import timedelta

import grpc

import trust
from trust import CertificateRole, CertificateState, PartnerTrust

from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import operator_pb2 as opb
from .._generated.swgw.v1 import operator_pb2_grpc as opb_grpc
from ..core.errors import EnvelopeInvalid
from ..core.errors import OperatorUnauthenticated
from ..core.ports import Actor, ActorKind, Clock
from ..pipeline.operations import Operations
from . import codec
from .interceptors import peer_certificate
from .status_map import translate_errors

__all__ = ["OperatorServicer"]


class OperatorServicer(opb_grpc.OperatorServiceServicer):
    """Administers a running gateway; every change is audited by :class:`~gateway.pipeline.operations.Operations`.

    Every call, reads included, needs a TLS client certificate that chains to the operators' CA: the issuer
    decides the role, so a domestic hub's certificate (another CA) cannot administer the gateway. Without an
    operators' CA configured, every call is refused.
    """

    def __init__(self, operations: Operations, operators: PartnerTrust | None, clock: Clock) -> None:
        self._ops = operations
        self._operators = operators
        self._clock = clock

    def _actor(self, context: grpc.ServicerContext) -> Actor:
        """The authenticated operator, from the TLS layer's peer certificate only.

        Nothing the caller sends is consulted: the request messages have no actor field (unknown fields are
        ignored) and metadata is never read, so an operator cannot write someone else's name into the audit log.
        """
        if self._operators is None:
            raise OperatorUnauthenticated("no operators' CA is configured; use the offline CLI on the gateway host")
        cert = peer_certificate(context)
        if cert is None:
            raise OperatorUnauthenticated("an operator client certificate is required")
        try:
            trust.validate_chain(cert, [], trust=self._operators, at=self._clock.now(), purpose="tls-client")
        except trust.TrustError as e:
            raise OperatorUnauthenticated(
                f"{cert.subject.rfc4514_string()} is not an operator certificate: {e.code}") from e
        # The subject names the operator; the fingerprint tells apart two certificates with the same subject
        # (a renewed or a rogue one) and finds the exact certificate later.
        return Actor(ActorKind.OPERATOR_CERTIFICATE,
                     f"{cert.subject.rfc4514_string()} (sha256:{trust.fingerprint(cert)})")

    @translate_errors
    def ListPartners(self, request: opb.ListPartnersRequest, context: grpc.ServicerContext) -> opb.ListPartnersResponse:  # noqa: N802
        self._actor(context)
        return opb.ListPartnersResponse(partners=[
            opb.Partner(
                party=pb.PartyId(scheme=p.party.scheme, value=p.party.value),
                endpoint=p.endpoint,
                document_types=[codec.document_type_to_proto(d) for d in p.mapping_profiles],
                mapping_profiles={d.value: m for d, m in p.mapping_profiles.items()},
                transport=p.transport, as4_endpoint_url=p.as4.endpoint_url if p.as4 is not None else "",
            )
            for p in self._ops.partners()
        ])

    @translate_errors
    def AddTrustCertificate(  # noqa: N802
        self, request: opb.AddTrustCertificateRequest, context: grpc.ServicerContext
    ) -> opb.AddTrustCertificateResponse:
        actor = self._actor(context)
        role = codec.TRUST_ROLES_BACK.get(request.role)
        if role is None:
            raise EnvelopeInvalid("role is required", field_path="role")
        record = self._ops.add_trust(
            request.partner, request.certificate, role=CertificateRole(role), actor=actor,
            valid_from_use=codec.from_timestamp(request.valid_from_use, "valid_from_use")
            if request.HasField("valid_from_use") else None,
        )
        return opb.AddTrustCertificateResponse(certificate=codec.trusted_certificate_to_proto(record))

    @translate_errors
    def ListTrustCertificates(  # noqa: N802
        self, request: opb.ListTrustCertificatesRequest, context: grpc.ServicerContext
    ) -> opb.ListTrustCertificatesResponse:
        self._actor(context)
        records = self._ops.trustbook.records(request.partner or None)
        return opb.ListTrustCertificatesResponse(certificates=[codec.trusted_certificate_to_proto(r) for r in records])

    @translate_errors
    def ChangeTrustCertificateState(  # noqa: N802
        self, request: opb.ChangeTrustCertificateStateRequest, context: grpc.ServicerContext
    ) -> opb.ChangeTrustCertificateStateResponse:
        actor = self._actor(context)
        state = codec.TRUST_STATES_BACK.get(request.state)
        if state is None:
            raise EnvelopeInvalid("state is required", field_path="state")
        record = self._ops.trustbook.change_state(
            request.partner, request.fingerprint, CertificateState(state), actor=actor,
            reason=request.reason or None,
            effective_at=codec.from_timestamp(request.effective_at, "effective_at")
            if request.HasField("effective_at") else None,
        )
        return opb.ChangeTrustCertificateStateResponse(certificate=codec.trusted_certificate_to_proto(record))

    @translate_errors
    def ImportCrl(self, request: opb.ImportCrlRequest, context: grpc.ServicerContext) -> opb.ImportCrlResponse:  # noqa: N802
        actor = self._actor(context)
        info = self._ops.trustbook.import_crl(request.partner, request.crl, actor=actor)
        response = opb.ImportCrlResponse(revoked_count=len(info.revoked_serials))
        if info.next_update is not None:
            response.next_update.CopyFrom(codec.timestamp(info.next_update))
        return response

    @translate_errors
    def ExportOwnCertificates(  # noqa: N802
        self, request: opb.ExportOwnCertificatesRequest, context: grpc.ServicerContext
    ) -> opb.ExportOwnCertificatesResponse:
        self._actor(context)
        return opb.ExportOwnCertificatesResponse(certificates_pem=self._ops.export_own_certificates())

    @translate_errors
    def ListExpiringCertificates(  # noqa: N802
        self, request: opb.ListExpiringCertificatesRequest, context: grpc.ServicerContext
    ) -> opb.ListExpiringCertificatesResponse:
        self._actor(context)
        report = self._ops.expiry_report(timedelta(days=request.within_days or 90))
        return opb.ListExpiringCertificatesResponse(
            certificates=[codec.trusted_certificate_to_proto(r) for r in report.expiring],
            partners_without_valid_certificate=list(report.partners_without_valid_certificate),
        )

    @translate_errors
    def ListAuditEntries(  # noqa: N802
        self, request: opb.ListAuditEntriesRequest, context: grpc.ServicerContext
    ) -> opb.ListAuditEntriesResponse:
        self._actor(context)
        entries = self._ops.audit_entries(after=request.after_sequence, limit=request.limit or 100)
        return opb.ListAuditEntriesResponse(entries=[codec.audit_entry_to_proto(e) for e in entries])

    @translate_errors
    def VerifyAuditLog(  # noqa: N802
        self, request: opb.VerifyAuditLogRequest, context: grpc.ServicerContext
    ) -> opb.VerifyAuditLogResponse:
        self._actor(context)
        result = self._ops.verify_audit()
        return opb.VerifyAuditLogResponse(
            ok=result.ok, entries=result.entries, first_bad_sequence=result.first_bad_sequence or 0,
            problem=result.problem,
        )

    @translate_errors
    def ListMessages(self, request: opb.ListMessagesRequest, context: grpc.ServicerContext) -> opb.ListMessagesResponse:  # noqa: N802
        self._actor(context)
        status = codec.status_from_proto(request.status)
        messages = self._ops.messages.list_messages(
            status=status, partner=request.partner or None, limit=request.limit or 100
        )
        return opb.ListMessagesResponse(messages=[codec.summary_to_proto(m, transport=self._transport(m.partner))
                                                  for m in messages])

    @translate_errors
    def ResendMessage(self, request: opb.ResendMessageRequest, context: grpc.ServicerContext) -> opb.ResendMessageResponse:  # noqa: N802
        actor = self._actor(context)
        message = self._ops.resend(request.message_id, actor=actor)
        return opb.ResendMessageResponse(message=codec.summary_to_proto(message,
                                                                        transport=self._transport(message.partner)))

    def _transport(self, partner: str) -> str:
        return next((p.transport for p in self._ops.partners() if p.name == partner), "")


