from google.protobuf import timestamp_pb2 as _timestamp_pb2
from swgw.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class CertificateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_STATUS_UNSPECIFIED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_VALID: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_REPLACED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_WITHDRAWN: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_UNKNOWN: _ClassVar[CertificateStatus]
CERTIFICATE_STATUS_UNSPECIFIED: CertificateStatus
CERTIFICATE_STATUS_VALID: CertificateStatus
CERTIFICATE_STATUS_REPLACED: CertificateStatus
CERTIFICATE_STATUS_WITHDRAWN: CertificateStatus
CERTIFICATE_STATUS_UNKNOWN: CertificateStatus

class LedgerEntry(_message.Message):
    __slots__ = ('version', 'action', 'direction', 'partner', 'message_id', 'status', 'accepted', 'payload_sha256', 'refers_to', 'by', 'at', 'accepted_at', 'receipt_id')
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    REFERS_TO_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    version: int
    action: _envelope_pb2.Action
    direction: _envelope_pb2.Direction
    partner: str
    message_id: str
    status: _envelope_pb2.MessageStatus
    accepted: bool
    payload_sha256: bytes
    refers_to: _envelope_pb2.BusinessKey
    by: str
    at: _timestamp_pb2.Timestamp
    accepted_at: _timestamp_pb2.Timestamp
    receipt_id: str

    def __init__(self, version: _Optional[int]=..., action: _Optional[_Union[_envelope_pb2.Action, str]]=..., direction: _Optional[_Union[_envelope_pb2.Direction, str]]=..., partner: _Optional[str]=..., message_id: _Optional[str]=..., status: _Optional[_Union[_envelope_pb2.MessageStatus, str]]=..., accepted: bool=..., payload_sha256: _Optional[bytes]=..., refers_to: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., by: _Optional[str]=..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., accepted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., receipt_id: _Optional[str]=...) -> None:
        ...

class CertificateLedger(_message.Message):
    __slots__ = ('certificate', 'status', 'current', 'entries')
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    certificate: _envelope_pb2.BusinessKey
    status: CertificateStatus
    current: _envelope_pb2.BusinessKey
    entries: _containers.RepeatedCompositeFieldContainer[LedgerEntry]

    def __init__(self, certificate: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., status: _Optional[_Union[CertificateStatus, str]]=..., current: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., entries: _Optional[_Iterable[_Union[LedgerEntry, _Mapping]]]=...) -> None:
        ...

class CertificateInquiry(_message.Message):
    __slots__ = ('inquiry_id', 'business_key', 'document_sha256')
    INQUIRY_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    inquiry_id: str
    business_key: _envelope_pb2.BusinessKey
    document_sha256: bytes

    def __init__(self, inquiry_id: _Optional[str]=..., business_key: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., document_sha256: _Optional[bytes]=...) -> None:
        ...

class AnsweredVersion(_message.Message):
    __slots__ = ('version', 'action', 'payload_sha256', 'accepted_at')
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    action: _envelope_pb2.Action
    payload_sha256: bytes
    accepted_at: _timestamp_pb2.Timestamp

    def __init__(self, version: _Optional[int]=..., action: _Optional[_Union[_envelope_pb2.Action, str]]=..., payload_sha256: _Optional[bytes]=..., accepted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class InquiryAnswer(_message.Message):
    __slots__ = ('inquiry_id', 'answerer', 'asker', 'inquiry', 'status', 'certificate', 'current', 'history', 'answered_at', 'signature')
    INQUIRY_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERER_FIELD_NUMBER: _ClassVar[int]
    ASKER_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    inquiry_id: str
    answerer: _envelope_pb2.PartyId
    asker: _envelope_pb2.PartyId
    inquiry: CertificateInquiry
    status: CertificateStatus
    certificate: _envelope_pb2.BusinessKey
    current: _envelope_pb2.BusinessKey
    history: _containers.RepeatedCompositeFieldContainer[AnsweredVersion]
    answered_at: _timestamp_pb2.Timestamp
    signature: _envelope_pb2.Signature

    def __init__(self, inquiry_id: _Optional[str]=..., answerer: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., asker: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., inquiry: _Optional[_Union[CertificateInquiry, _Mapping]]=..., status: _Optional[_Union[CertificateStatus, str]]=..., certificate: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., current: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., history: _Optional[_Iterable[_Union[AnsweredVersion, _Mapping]]]=..., answered_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., signature: _Optional[_Union[_envelope_pb2.Signature, _Mapping]]=...) -> None:
        ...

class InquireCertificateRequest(_message.Message):
    __slots__ = ('inquiry',)
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    inquiry: CertificateInquiry

    def __init__(self, inquiry: _Optional[_Union[CertificateInquiry, _Mapping]]=...) -> None:
        ...

class InquireCertificateResponse(_message.Message):
    __slots__ = ('answer',)
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    answer: InquiryAnswer

    def __init__(self, answer: _Optional[_Union[InquiryAnswer, _Mapping]]=...) -> None:
        ...

class GetCertificateLedgerRequest(_message.Message):
    __slots__ = ('certificate',)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: _envelope_pb2.BusinessKey

    def __init__(self, certificate: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=...) -> None:
        ...

class GetCertificateLedgerResponse(_message.Message):
    __slots__ = ('ledger',)
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    ledger: CertificateLedger

    def __init__(self, ledger: _Optional[_Union[CertificateLedger, _Mapping]]=...) -> None:
        ...

class InquirePartnerCertificateRequest(_message.Message):
    __slots__ = ('partner', 'inquiry')
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    INQUIRY_FIELD_NUMBER: _ClassVar[int]
    partner: str
    inquiry: CertificateInquiry

    def __init__(self, partner: _Optional[str]=..., inquiry: _Optional[_Union[CertificateInquiry, _Mapping]]=...) -> None:
        ...

class InquirePartnerCertificateResponse(_message.Message):
    __slots__ = ('answer', 'signer_subject', 'signer_fingerprint')
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    SIGNER_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    answer: InquiryAnswer
    signer_subject: str
    signer_fingerprint: str

    def __init__(self, answer: _Optional[_Union[InquiryAnswer, _Mapping]]=..., signer_subject: _Optional[str]=..., signer_fingerprint: _Optional[str]=...) -> None:
        ...