from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class DocumentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_TYPE_UNSPECIFIED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CARGO_MANIFEST: _ClassVar[DocumentType]
    DOCUMENT_TYPE_SPS_CERTIFICATE: _ClassVar[DocumentType]

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_ISSUE: _ClassVar[Action]
    ACTION_REPLACE: _ClassVar[Action]
    ACTION_WITHDRAW: _ClassVar[Action]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]

class ReceiptOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECEIPT_OUTCOME_UNSPECIFIED: _ClassVar[ReceiptOutcome]
    RECEIPT_OUTCOME_ACCEPTED: _ClassVar[ReceiptOutcome]
    RECEIPT_OUTCOME_REJECTED: _ClassVar[ReceiptOutcome]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_OUTBOUND: _ClassVar[Direction]
    DIRECTION_INBOUND: _ClassVar[Direction]

class MessageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_STATUS_UNSPECIFIED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_ACCEPTED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_QUEUED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_SENDING: _ClassVar[MessageStatus]
    MESSAGE_STATUS_RETRY_WAIT: _ClassVar[MessageStatus]
    MESSAGE_STATUS_DELIVERED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_REJECTED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_FAILED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_RECEIVED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_HANDED_OVER: _ClassVar[MessageStatus]
DOCUMENT_TYPE_UNSPECIFIED: DocumentType
DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN: DocumentType
DOCUMENT_TYPE_CARGO_MANIFEST: DocumentType
DOCUMENT_TYPE_SPS_CERTIFICATE: DocumentType
ACTION_UNSPECIFIED: Action
ACTION_ISSUE: Action
ACTION_REPLACE: Action
ACTION_WITHDRAW: Action
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_WARNING: Severity
SEVERITY_ERROR: Severity
RECEIPT_OUTCOME_UNSPECIFIED: ReceiptOutcome
RECEIPT_OUTCOME_ACCEPTED: ReceiptOutcome
RECEIPT_OUTCOME_REJECTED: ReceiptOutcome
DIRECTION_UNSPECIFIED: Direction
DIRECTION_OUTBOUND: Direction
DIRECTION_INBOUND: Direction
MESSAGE_STATUS_UNSPECIFIED: MessageStatus
MESSAGE_STATUS_ACCEPTED: MessageStatus
MESSAGE_STATUS_QUEUED: MessageStatus
MESSAGE_STATUS_SENDING: MessageStatus
MESSAGE_STATUS_RETRY_WAIT: MessageStatus
MESSAGE_STATUS_DELIVERED: MessageStatus
MESSAGE_STATUS_REJECTED: MessageStatus
MESSAGE_STATUS_FAILED: MessageStatus
MESSAGE_STATUS_RECEIVED: MessageStatus
MESSAGE_STATUS_HANDED_OVER: MessageStatus

class PartyId(_message.Message):
    __slots__ = ('scheme', 'value')
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    value: str

    def __init__(self, scheme: _Optional[str]=..., value: _Optional[str]=...) -> None:
        ...

class BusinessKey(_message.Message):
    __slots__ = ('issuer', 'number', 'version')
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    issuer: str
    number: str
    version: int

    def __init__(self, issuer: _Optional[str]=..., number: _Optional[str]=..., version: _Optional[int]=...) -> None:
        ...

class Attachment(_message.Message):
    __slots__ = ('name', 'media_type', 'content', 'sha256', 'size')
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    name: str
    media_type: str
    content: bytes
    sha256: bytes
    size: int

    def __init__(self, name: _Optional[str]=..., media_type: _Optional[str]=..., content: _Optional[bytes]=..., sha256: _Optional[bytes]=..., size: _Optional[int]=...) -> None:
        ...

class AttachmentChunk(_message.Message):
    __slots__ = ('data',)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes

    def __init__(self, data: _Optional[bytes]=...) -> None:
        ...

class Signature(_message.Message):
    __slots__ = ('format', 'jws')
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    JWS_FIELD_NUMBER: _ClassVar[int]
    format: str
    jws: str

    def __init__(self, format: _Optional[str]=..., jws: _Optional[str]=...) -> None:
        ...

class Envelope(_message.Message):
    __slots__ = ('message_id', 'business_key', 'sender', 'receiver', 'document_type', 'document_format', 'action', 'created_at', 'payload', 'payload_sha256', 'attachments', 'refers_to', 'signature')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    REFERS_TO_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    business_key: BusinessKey
    sender: PartyId
    receiver: PartyId
    document_type: DocumentType
    document_format: str
    action: Action
    created_at: _timestamp_pb2.Timestamp
    payload: bytes
    payload_sha256: bytes
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    refers_to: BusinessKey
    signature: Signature

    def __init__(self, message_id: _Optional[str]=..., business_key: _Optional[_Union[BusinessKey, _Mapping]]=..., sender: _Optional[_Union[PartyId, _Mapping]]=..., receiver: _Optional[_Union[PartyId, _Mapping]]=..., document_type: _Optional[_Union[DocumentType, str]]=..., document_format: _Optional[str]=..., action: _Optional[_Union[Action, str]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., payload: _Optional[bytes]=..., payload_sha256: _Optional[bytes]=..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]]=..., refers_to: _Optional[_Union[BusinessKey, _Mapping]]=..., signature: _Optional[_Union[Signature, _Mapping]]=...) -> None:
        ...

class Finding(_message.Message):
    __slots__ = ('severity', 'code', 'path', 'message', 'element_id')
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ELEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    severity: Severity
    code: str
    path: str
    message: str
    element_id: str

    def __init__(self, severity: _Optional[_Union[Severity, str]]=..., code: _Optional[str]=..., path: _Optional[str]=..., message: _Optional[str]=..., element_id: _Optional[str]=...) -> None:
        ...

class ValidationReport(_message.Message):
    __slots__ = ('ok', 'findings', 'dropped', 'defaulted', 'codelist_versions', 'findings_total')

    class CodelistVersionsEntry(_message.Message):
        __slots__ = ('key', 'value')
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str

        def __init__(self, key: _Optional[str]=..., value: _Optional[str]=...) -> None:
            ...
    OK_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    DEFAULTED_FIELD_NUMBER: _ClassVar[int]
    CODELIST_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    dropped: _containers.RepeatedScalarFieldContainer[str]
    defaulted: _containers.RepeatedScalarFieldContainer[str]
    codelist_versions: _containers.ScalarMap[str, str]
    findings_total: int

    def __init__(self, ok: bool=..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]]=..., dropped: _Optional[_Iterable[str]]=..., defaulted: _Optional[_Iterable[str]]=..., codelist_versions: _Optional[_Mapping[str, str]]=..., findings_total: _Optional[int]=...) -> None:
        ...

class ErrorDetail(_message.Message):
    __slots__ = ('code', 'message', 'field_path', 'partner', 'report')
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_PATH_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field_path: str
    partner: str
    report: ValidationReport

    def __init__(self, code: _Optional[str]=..., message: _Optional[str]=..., field_path: _Optional[str]=..., partner: _Optional[str]=..., report: _Optional[_Union[ValidationReport, _Mapping]]=...) -> None:
        ...

class Receipt(_message.Message):
    __slots__ = ('message_id', 'receipt_id', 'issuer', 'outcome', 'payload_sha256', 'received_at', 'errors', 'signature')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    receipt_id: str
    issuer: PartyId
    outcome: ReceiptOutcome
    payload_sha256: bytes
    received_at: _timestamp_pb2.Timestamp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorDetail]
    signature: Signature

    def __init__(self, message_id: _Optional[str]=..., receipt_id: _Optional[str]=..., issuer: _Optional[_Union[PartyId, _Mapping]]=..., outcome: _Optional[_Union[ReceiptOutcome, str]]=..., payload_sha256: _Optional[bytes]=..., received_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., errors: _Optional[_Iterable[_Union[ErrorDetail, _Mapping]]]=..., signature: _Optional[_Union[Signature, _Mapping]]=...) -> None:
        ...

class StatusEvent(_message.Message):
    __slots__ = ('sequence', 'message_id', 'business_key', 'direction', 'status', 'previous_status', 'at', 'partner', 'error', 'attempt', 'next_attempt_at')
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    message_id: str
    business_key: BusinessKey
    direction: Direction
    status: MessageStatus
    previous_status: MessageStatus
    at: _timestamp_pb2.Timestamp
    partner: PartyId
    error: ErrorDetail
    attempt: int
    next_attempt_at: _timestamp_pb2.Timestamp

    def __init__(self, sequence: _Optional[int]=..., message_id: _Optional[str]=..., business_key: _Optional[_Union[BusinessKey, _Mapping]]=..., direction: _Optional[_Union[Direction, str]]=..., status: _Optional[_Union[MessageStatus, str]]=..., previous_status: _Optional[_Union[MessageStatus, str]]=..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., partner: _Optional[_Union[PartyId, _Mapping]]=..., error: _Optional[_Union[ErrorDetail, _Mapping]]=..., attempt: _Optional[int]=..., next_attempt_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class MessageSummary(_message.Message):
    __slots__ = ('message_id', 'direction', 'partner', 'document_type', 'document_format', 'business_key', 'action', 'status', 'created_at', 'updated_at', 'attempts', 'next_attempt_at', 'last_error', 'payload_sha256', 'history', 'transport')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    direction: Direction
    partner: PartyId
    document_type: DocumentType
    document_format: str
    business_key: BusinessKey
    action: Action
    status: MessageStatus
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    attempts: int
    next_attempt_at: _timestamp_pb2.Timestamp
    last_error: ErrorDetail
    payload_sha256: bytes
    history: _containers.RepeatedCompositeFieldContainer[StatusEvent]
    transport: str

    def __init__(self, message_id: _Optional[str]=..., direction: _Optional[_Union[Direction, str]]=..., partner: _Optional[_Union[PartyId, _Mapping]]=..., document_type: _Optional[_Union[DocumentType, str]]=..., document_format: _Optional[str]=..., business_key: _Optional[_Union[BusinessKey, _Mapping]]=..., action: _Optional[_Union[Action, str]]=..., status: _Optional[_Union[MessageStatus, str]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., attempts: _Optional[int]=..., next_attempt_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., last_error: _Optional[_Union[ErrorDetail, _Mapping]]=..., payload_sha256: _Optional[bytes]=..., history: _Optional[_Iterable[_Union[StatusEvent, _Mapping]]]=..., transport: _Optional[str]=...) -> None:
        ...