from google.protobuf import timestamp_pb2 as _timestamp_pb2
from swgw.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class TrustCertificateState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRUST_CERTIFICATE_STATE_UNSPECIFIED: _ClassVar[TrustCertificateState]
    TRUST_CERTIFICATE_STATE_PENDING: _ClassVar[TrustCertificateState]
    TRUST_CERTIFICATE_STATE_ACTIVE: _ClassVar[TrustCertificateState]
    TRUST_CERTIFICATE_STATE_RETIRING: _ClassVar[TrustCertificateState]
    TRUST_CERTIFICATE_STATE_REVOKED: _ClassVar[TrustCertificateState]

class TrustCertificateRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRUST_CERTIFICATE_ROLE_UNSPECIFIED: _ClassVar[TrustCertificateRole]
    TRUST_CERTIFICATE_ROLE_ANCHOR: _ClassVar[TrustCertificateRole]
    TRUST_CERTIFICATE_ROLE_INTERMEDIATE: _ClassVar[TrustCertificateRole]
    TRUST_CERTIFICATE_ROLE_PINNED: _ClassVar[TrustCertificateRole]
TRUST_CERTIFICATE_STATE_UNSPECIFIED: TrustCertificateState
TRUST_CERTIFICATE_STATE_PENDING: TrustCertificateState
TRUST_CERTIFICATE_STATE_ACTIVE: TrustCertificateState
TRUST_CERTIFICATE_STATE_RETIRING: TrustCertificateState
TRUST_CERTIFICATE_STATE_REVOKED: TrustCertificateState
TRUST_CERTIFICATE_ROLE_UNSPECIFIED: TrustCertificateRole
TRUST_CERTIFICATE_ROLE_ANCHOR: TrustCertificateRole
TRUST_CERTIFICATE_ROLE_INTERMEDIATE: TrustCertificateRole
TRUST_CERTIFICATE_ROLE_PINNED: TrustCertificateRole

class Partner(_message.Message):
    __slots__ = ('party', 'endpoint', 'document_types', 'mapping_profiles', 'transport', 'as4_endpoint_url')

    class MappingProfilesEntry(_message.Message):
        __slots__ = ('key', 'value')
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str

        def __init__(self, key: _Optional[str]=..., value: _Optional[str]=...) -> None:
            ...
    PARTY_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    MAPPING_PROFILES_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    AS4_ENDPOINT_URL_FIELD_NUMBER: _ClassVar[int]
    party: _envelope_pb2.PartyId
    endpoint: str
    document_types: _containers.RepeatedScalarFieldContainer[_envelope_pb2.DocumentType]
    mapping_profiles: _containers.ScalarMap[str, str]
    transport: str
    as4_endpoint_url: str

    def __init__(self, party: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., endpoint: _Optional[str]=..., document_types: _Optional[_Iterable[_Union[_envelope_pb2.DocumentType, str]]]=..., mapping_profiles: _Optional[_Mapping[str, str]]=..., transport: _Optional[str]=..., as4_endpoint_url: _Optional[str]=...) -> None:
        ...

class ListPartnersRequest(_message.Message):
    __slots__ = ()

    def __init__(self) -> None:
        ...

class ListPartnersResponse(_message.Message):
    __slots__ = ('partners',)
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    partners: _containers.RepeatedCompositeFieldContainer[Partner]

    def __init__(self, partners: _Optional[_Iterable[_Union[Partner, _Mapping]]]=...) -> None:
        ...

class TrustCertificate(_message.Message):
    __slots__ = ('partner', 'fingerprint', 'role', 'state', 'subject', 'issuer', 'not_before', 'not_after', 'valid_from_use', 'revoked_at', 'revocation_reason', 'certificate_der')
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_USE_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_DER_FIELD_NUMBER: _ClassVar[int]
    partner: str
    fingerprint: str
    role: TrustCertificateRole
    state: TrustCertificateState
    subject: str
    issuer: str
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    valid_from_use: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    revocation_reason: str
    certificate_der: bytes

    def __init__(self, partner: _Optional[str]=..., fingerprint: _Optional[str]=..., role: _Optional[_Union[TrustCertificateRole, str]]=..., state: _Optional[_Union[TrustCertificateState, str]]=..., subject: _Optional[str]=..., issuer: _Optional[str]=..., not_before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., not_after: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., valid_from_use: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., revoked_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., revocation_reason: _Optional[str]=..., certificate_der: _Optional[bytes]=...) -> None:
        ...

class AddTrustCertificateRequest(_message.Message):
    __slots__ = ('partner', 'role', 'certificate', 'valid_from_use')
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_USE_FIELD_NUMBER: _ClassVar[int]
    partner: str
    role: TrustCertificateRole
    certificate: bytes
    valid_from_use: _timestamp_pb2.Timestamp

    def __init__(self, partner: _Optional[str]=..., role: _Optional[_Union[TrustCertificateRole, str]]=..., certificate: _Optional[bytes]=..., valid_from_use: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class AddTrustCertificateResponse(_message.Message):
    __slots__ = ('certificate',)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: TrustCertificate

    def __init__(self, certificate: _Optional[_Union[TrustCertificate, _Mapping]]=...) -> None:
        ...

class ListTrustCertificatesRequest(_message.Message):
    __slots__ = ('partner',)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: str

    def __init__(self, partner: _Optional[str]=...) -> None:
        ...

class ListTrustCertificatesResponse(_message.Message):
    __slots__ = ('certificates',)
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    certificates: _containers.RepeatedCompositeFieldContainer[TrustCertificate]

    def __init__(self, certificates: _Optional[_Iterable[_Union[TrustCertificate, _Mapping]]]=...) -> None:
        ...

class ChangeTrustCertificateStateRequest(_message.Message):
    __slots__ = ('partner', 'fingerprint', 'state', 'reason', 'effective_at')
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    partner: str
    fingerprint: str
    state: TrustCertificateState
    reason: str
    effective_at: _timestamp_pb2.Timestamp

    def __init__(self, partner: _Optional[str]=..., fingerprint: _Optional[str]=..., state: _Optional[_Union[TrustCertificateState, str]]=..., reason: _Optional[str]=..., effective_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class ChangeTrustCertificateStateResponse(_message.Message):
    __slots__ = ('certificate',)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: TrustCertificate

    def __init__(self, certificate: _Optional[_Union[TrustCertificate, _Mapping]]=...) -> None:
        ...

class ImportCrlRequest(_message.Message):
    __slots__ = ('partner', 'crl')
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    CRL_FIELD_NUMBER: _ClassVar[int]
    partner: str
    crl: bytes

    def __init__(self, partner: _Optional[str]=..., crl: _Optional[bytes]=...) -> None:
        ...

class ImportCrlResponse(_message.Message):
    __slots__ = ('revoked_count', 'next_update')
    REVOKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_UPDATE_FIELD_NUMBER: _ClassVar[int]
    revoked_count: int
    next_update: _timestamp_pb2.Timestamp

    def __init__(self, revoked_count: _Optional[int]=..., next_update: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class ExportOwnCertificatesRequest(_message.Message):
    __slots__ = ()

    def __init__(self) -> None:
        ...

class ExportOwnCertificatesResponse(_message.Message):
    __slots__ = ('certificates_pem',)
    CERTIFICATES_PEM_FIELD_NUMBER: _ClassVar[int]
    certificates_pem: bytes

    def __init__(self, certificates_pem: _Optional[bytes]=...) -> None:
        ...

class ListExpiringCertificatesRequest(_message.Message):
    __slots__ = ('within_days',)
    WITHIN_DAYS_FIELD_NUMBER: _ClassVar[int]
    within_days: int

    def __init__(self, within_days: _Optional[int]=...) -> None:
        ...

class ListExpiringCertificatesResponse(_message.Message):
    __slots__ = ('certificates', 'partners_without_valid_certificate')
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_WITHOUT_VALID_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificates: _containers.RepeatedCompositeFieldContainer[TrustCertificate]
    partners_without_valid_certificate: _containers.RepeatedScalarFieldContainer[str]

    def __init__(self, certificates: _Optional[_Iterable[_Union[TrustCertificate, _Mapping]]]=..., partners_without_valid_certificate: _Optional[_Iterable[str]]=...) -> None:
        ...

class AuditEntry(_message.Message):
    __slots__ = ('sequence', 'at', 'actor', 'action', 'details_json', 'previous_hash', 'entry_hash', 'actor_kind')
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    ACTOR_KIND_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    details_json: str
    previous_hash: str
    entry_hash: str
    actor_kind: str

    def __init__(self, sequence: _Optional[int]=..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor: _Optional[str]=..., action: _Optional[str]=..., details_json: _Optional[str]=..., previous_hash: _Optional[str]=..., entry_hash: _Optional[str]=..., actor_kind: _Optional[str]=...) -> None:
        ...

class ListAuditEntriesRequest(_message.Message):
    __slots__ = ('after_sequence', 'limit')
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    limit: int

    def __init__(self, after_sequence: _Optional[int]=..., limit: _Optional[int]=...) -> None:
        ...

class ListAuditEntriesResponse(_message.Message):
    __slots__ = ('entries',)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]

    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]]=...) -> None:
        ...

class VerifyAuditLogRequest(_message.Message):
    __slots__ = ()

    def __init__(self) -> None:
        ...

class VerifyAuditLogResponse(_message.Message):
    __slots__ = ('ok', 'entries', 'first_bad_sequence', 'problem')
    OK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    entries: int
    first_bad_sequence: int
    problem: str

    def __init__(self, ok: bool=..., entries: _Optional[int]=..., first_bad_sequence: _Optional[int]=..., problem: _Optional[str]=...) -> None:
        ...

class ListMessagesRequest(_message.Message):
    __slots__ = ('status', 'partner', 'limit')
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: _envelope_pb2.MessageStatus
    partner: str
    limit: int

    def __init__(self, status: _Optional[_Union[_envelope_pb2.MessageStatus, str]]=..., partner: _Optional[str]=..., limit: _Optional[int]=...) -> None:
        ...

class ListMessagesResponse(_message.Message):
    __slots__ = ('messages',)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.MessageSummary]

    def __init__(self, messages: _Optional[_Iterable[_Union[_envelope_pb2.MessageSummary, _Mapping]]]=...) -> None:
        ...

class ResendMessageRequest(_message.Message):
    __slots__ = ('message_id',)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str

    def __init__(self, message_id: _Optional[str]=...) -> None:
        ...

class ResendMessageResponse(_message.Message):
    __slots__ = ('message',)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _envelope_pb2.MessageSummary

    def __init__(self, message: _Optional[_Union[_envelope_pb2.MessageSummary, _Mapping]]=...) -> None:
        ...