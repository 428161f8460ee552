from google.protobuf import timestamp_pb2 as _timestamp_pb2
from swgw.v1 import certificate_ledger_pb2 as _certificate_ledger_pb2
from swgw.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class SubmitRequest(_message.Message):
    __slots__ = ('idempotency_key', 'receiver', 'document_type', 'action', 'record_json', 'refers_to', 'attachments')
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RECORD_JSON_FIELD_NUMBER: _ClassVar[int]
    REFERS_TO_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    receiver: _envelope_pb2.PartyId
    document_type: _envelope_pb2.DocumentType
    action: _envelope_pb2.Action
    record_json: bytes
    refers_to: _envelope_pb2.BusinessKey
    attachments: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.Attachment]

    def __init__(self, idempotency_key: _Optional[str]=..., receiver: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., document_type: _Optional[_Union[_envelope_pb2.DocumentType, str]]=..., action: _Optional[_Union[_envelope_pb2.Action, str]]=..., record_json: _Optional[bytes]=..., refers_to: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., attachments: _Optional[_Iterable[_Union[_envelope_pb2.Attachment, _Mapping]]]=...) -> None:
        ...

class SubmitResponse(_message.Message):
    __slots__ = ('message_id', 'business_key', 'status', 'report', 'payload_sha256')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SHA256_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    business_key: _envelope_pb2.BusinessKey
    status: _envelope_pb2.MessageStatus
    report: _envelope_pb2.ValidationReport
    payload_sha256: bytes

    def __init__(self, message_id: _Optional[str]=..., business_key: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., status: _Optional[_Union[_envelope_pb2.MessageStatus, str]]=..., report: _Optional[_Union[_envelope_pb2.ValidationReport, _Mapping]]=..., payload_sha256: _Optional[bytes]=...) -> None:
        ...

class SubmitStreamRequest(_message.Message):
    __slots__ = ('submit',)
    SUBMIT_FIELD_NUMBER: _ClassVar[int]
    submit: SubmitRequest

    def __init__(self, submit: _Optional[_Union[SubmitRequest, _Mapping]]=...) -> None:
        ...

class SubmitStreamResponse(_message.Message):
    __slots__ = ('idempotency_key', 'result', 'error')
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    result: SubmitResponse
    error: _envelope_pb2.ErrorDetail

    def __init__(self, idempotency_key: _Optional[str]=..., result: _Optional[_Union[SubmitResponse, _Mapping]]=..., error: _Optional[_Union[_envelope_pb2.ErrorDetail, _Mapping]]=...) -> None:
        ...

class UploadAttachmentRequest(_message.Message):
    __slots__ = ('chunk',)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: _envelope_pb2.AttachmentChunk

    def __init__(self, chunk: _Optional[_Union[_envelope_pb2.AttachmentChunk, _Mapping]]=...) -> None:
        ...

class UploadAttachmentResponse(_message.Message):
    __slots__ = ('sha256', 'size')
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    size: int

    def __init__(self, sha256: _Optional[bytes]=..., size: _Optional[int]=...) -> None:
        ...

class ReadAttachmentRequest(_message.Message):
    __slots__ = ('message_id', 'name')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    name: str

    def __init__(self, message_id: _Optional[str]=..., name: _Optional[str]=...) -> None:
        ...

class ReadAttachmentResponse(_message.Message):
    __slots__ = ('chunk',)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: _envelope_pb2.AttachmentChunk

    def __init__(self, chunk: _Optional[_Union[_envelope_pb2.AttachmentChunk, _Mapping]]=...) -> None:
        ...

class ValidateRequest(_message.Message):
    __slots__ = ('receiver', 'document_type', 'record_json')
    RECEIVER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_JSON_FIELD_NUMBER: _ClassVar[int]
    receiver: _envelope_pb2.PartyId
    document_type: _envelope_pb2.DocumentType
    record_json: bytes

    def __init__(self, receiver: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., document_type: _Optional[_Union[_envelope_pb2.DocumentType, str]]=..., record_json: _Optional[bytes]=...) -> None:
        ...

class ValidateResponse(_message.Message):
    __slots__ = ('report', 'document', 'document_format')
    REPORT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    report: _envelope_pb2.ValidationReport
    document: bytes
    document_format: str

    def __init__(self, report: _Optional[_Union[_envelope_pb2.ValidationReport, _Mapping]]=..., document: _Optional[bytes]=..., document_format: _Optional[str]=...) -> None:
        ...

class GetStatusRequest(_message.Message):
    __slots__ = ('message_id', 'business_key')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    business_key: _envelope_pb2.BusinessKey

    def __init__(self, message_id: _Optional[str]=..., business_key: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=...) -> None:
        ...

class GetStatusResponse(_message.Message):
    __slots__ = ('messages', 'ledger')
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    LEDGER_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.MessageSummary]
    ledger: _certificate_ledger_pb2.CertificateLedger

    def __init__(self, messages: _Optional[_Iterable[_Union[_envelope_pb2.MessageSummary, _Mapping]]]=..., ledger: _Optional[_Union[_certificate_ledger_pb2.CertificateLedger, _Mapping]]=...) -> None:
        ...

class WatchStatusRequest(_message.Message):
    __slots__ = ('after_sequence', 'max_events_per_response')
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_PER_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    max_events_per_response: int

    def __init__(self, after_sequence: _Optional[int]=..., max_events_per_response: _Optional[int]=...) -> None:
        ...

class WatchStatusResponse(_message.Message):
    __slots__ = ('event', 'events')
    EVENT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    event: _envelope_pb2.StatusEvent
    events: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.StatusEvent]

    def __init__(self, event: _Optional[_Union[_envelope_pb2.StatusEvent, _Mapping]]=..., events: _Optional[_Iterable[_Union[_envelope_pb2.StatusEvent, _Mapping]]]=...) -> None:
        ...

class ReceiveInboundRequest(_message.Message):
    __slots__ = ('subscribe', 'ack')
    SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    subscribe: InboundSubscription
    ack: InboundAck

    def __init__(self, subscribe: _Optional[_Union[InboundSubscription, _Mapping]]=..., ack: _Optional[_Union[InboundAck, _Mapping]]=...) -> None:
        ...

class InboundSubscription(_message.Message):
    __slots__ = ('document_types',)
    DOCUMENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    document_types: _containers.RepeatedScalarFieldContainer[_envelope_pb2.DocumentType]

    def __init__(self, document_types: _Optional[_Iterable[_Union[_envelope_pb2.DocumentType, str]]]=...) -> None:
        ...

class InboundAck(_message.Message):
    __slots__ = ('message_id',)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str

    def __init__(self, message_id: _Optional[str]=...) -> None:
        ...

class ReceiveInboundResponse(_message.Message):
    __slots__ = ('document',)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: InboundDocument

    def __init__(self, document: _Optional[_Union[InboundDocument, _Mapping]]=...) -> None:
        ...

class InboundDocument(_message.Message):
    __slots__ = ('message_id', 'sender', 'document_type', 'action', 'business_key', 'refers_to', 'record_json', 'signed_document', 'document_format', 'report', 'signer_subject', 'signer_fingerprint', 'received_at', 'attachments')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_KEY_FIELD_NUMBER: _ClassVar[int]
    REFERS_TO_FIELD_NUMBER: _ClassVar[int]
    RECORD_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNED_DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    sender: _envelope_pb2.PartyId
    document_type: _envelope_pb2.DocumentType
    action: _envelope_pb2.Action
    business_key: _envelope_pb2.BusinessKey
    refers_to: _envelope_pb2.BusinessKey
    record_json: bytes
    signed_document: bytes
    document_format: str
    report: _envelope_pb2.ValidationReport
    signer_subject: str
    signer_fingerprint: str
    received_at: _timestamp_pb2.Timestamp
    attachments: _containers.RepeatedCompositeFieldContainer[_envelope_pb2.Attachment]

    def __init__(self, message_id: _Optional[str]=..., sender: _Optional[_Union[_envelope_pb2.PartyId, _Mapping]]=..., document_type: _Optional[_Union[_envelope_pb2.DocumentType, str]]=..., action: _Optional[_Union[_envelope_pb2.Action, str]]=..., business_key: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., refers_to: _Optional[_Union[_envelope_pb2.BusinessKey, _Mapping]]=..., record_json: _Optional[bytes]=..., signed_document: _Optional[bytes]=..., document_format: _Optional[str]=..., report: _Optional[_Union[_envelope_pb2.ValidationReport, _Mapping]]=..., signer_subject: _Optional[str]=..., signer_fingerprint: _Optional[str]=..., received_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., attachments: _Optional[_Iterable[_Union[_envelope_pb2.Attachment, _Mapping]]]=...) -> None:
        ...