from swgw.v1 import certificate_ledger_pb2 as _certificate_ledger_pb2
from swgw.v1 import envelope_pb2 as _envelope_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class DeliverRequest(_message.Message):
    __slots__ = ('envelope',)
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    envelope: _envelope_pb2.Envelope

    def __init__(self, envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]]=...) -> None:
        ...

class DeliverResponse(_message.Message):
    __slots__ = ('receipt',)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: _envelope_pb2.Receipt

    def __init__(self, receipt: _Optional[_Union[_envelope_pb2.Receipt, _Mapping]]=...) -> None:
        ...

class GetReceiptRequest(_message.Message):
    __slots__ = ('message_id',)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str

    def __init__(self, message_id: _Optional[str]=...) -> None:
        ...

class GetReceiptResponse(_message.Message):
    __slots__ = ('receipt',)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: _envelope_pb2.Receipt

    def __init__(self, receipt: _Optional[_Union[_envelope_pb2.Receipt, _Mapping]]=...) -> None:
        ...

class DeliverStreamRequest(_message.Message):
    __slots__ = ('envelope',)
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    envelope: _envelope_pb2.Envelope

    def __init__(self, envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]]=...) -> None:
        ...

class DeliverStreamResponse(_message.Message):
    __slots__ = ('message_id', 'receipt', 'error')
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    receipt: _envelope_pb2.Receipt
    error: _envelope_pb2.ErrorDetail

    def __init__(self, message_id: _Optional[str]=..., receipt: _Optional[_Union[_envelope_pb2.Receipt, _Mapping]]=..., error: _Optional[_Union[_envelope_pb2.ErrorDetail, _Mapping]]=...) -> None:
        ...

class DeliverLargeResponse(_message.Message):
    __slots__ = ('receipt',)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: _envelope_pb2.Receipt

    def __init__(self, receipt: _Optional[_Union[_envelope_pb2.Receipt, _Mapping]]=...) -> None:
        ...

class DeliverLargeRequest(_message.Message):
    __slots__ = ('envelope', 'chunk')
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    envelope: _envelope_pb2.Envelope
    chunk: _envelope_pb2.AttachmentChunk

    def __init__(self, envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]]=..., chunk: _Optional[_Union[_envelope_pb2.AttachmentChunk, _Mapping]]=...) -> None:
        ...