"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/domestic_exchange.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
from ...swgw.v1 import envelope_pb2 as swgw_dot_v1_dot_envelope__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1fswgw/v1/domestic_exchange.proto\x12\x07swgw.v1\x1a\x1fgoogle/protobuf/timestamp.proto\x1a\x16swgw/v1/envelope.proto"\x83\x02\n\rSubmitRequest\x12\x17\n\x0fidempotency_key\x18\x01 \x01(\t\x12"\n\x08receiver\x18\x02 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x03 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x1f\n\x06action\x18\x04 \x01(\x0e2\x0f.swgw.v1.Action\x12\x13\n\x0brecord_json\x18\x05 \x01(\x0c\x12\'\n\trefers_to\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12(\n\x0battachments\x18\x07 \x03(\x0b2\x13.swgw.v1.Attachment"\xbb\x01\n\x0eSubmitResponse\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12*\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12&\n\x06status\x18\x03 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12)\n\x06report\x18\x04 \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x16\n\x0epayload_sha256\x18\x05 \x01(\x0c"=\n\x13SubmitStreamRequest\x12&\n\x06submit\x18\x01 \x01(\x0b2\x16.swgw.v1.SubmitRequest"\x8c\x01\n\x14SubmitStreamResponse\x12\x17\n\x0fidempotency_key\x18\x01 \x01(\t\x12)\n\x06result\x18\x02 \x01(\x0b2\x17.swgw.v1.SubmitResponseH\x00\x12%\n\x05error\x18\x03 \x01(\x0b2\x14.swgw.v1.ErrorDetailH\x00B\t\n\x07outcome"B\n\x17UploadAttachmentRequest\x12\'\n\x05chunk\x18\x01 \x01(\x0b2\x18.swgw.v1.AttachmentChunk"8\n\x18UploadAttachmentResponse\x12\x0e\n\x06sha256\x18\x01 \x01(\x0c\x12\x0c\n\x04size\x18\x02 \x01(\x04"9\n\x15ReadAttachmentRequest\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12\x0c\n\x04name\x18\x02 \x01(\t"A\n\x16ReadAttachmentResponse\x12\'\n\x05chunk\x18\x01 \x01(\x0b2\x18.swgw.v1.AttachmentChunk"x\n\x0fValidateRequest\x12"\n\x08receiver\x18\x01 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x02 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x13\n\x0brecord_json\x18\x03 \x01(\x0c"h\n\x10ValidateResponse\x12)\n\x06report\x18\x01 \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x10\n\x08document\x18\x02 \x01(\x0c\x12\x17\n\x0fdocument_format\x18\x03 \x01(\t"b\n\x10GetStatusRequest\x12\x14\n\nmessage_id\x18\x01 \x01(\tH\x00\x12,\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKeyH\x00B\n\n\x08selector">\n\x11GetStatusResponse\x12)\n\x08messages\x18\x01 \x03(\x0b2\x17.swgw.v1.MessageSummary",\n\x12WatchStatusRequest\x12\x16\n\x0eafter_sequence\x18\x01 \x01(\x04":\n\x13WatchStatusResponse\x12#\n\x05event\x18\x01 \x01(\x0b2\x14.swgw.v1.StatusEvent"v\n\x15ReceiveInboundRequest\x121\n\tsubscribe\x18\x01 \x01(\x0b2\x1c.swgw.v1.InboundSubscriptionH\x00\x12"\n\x03ack\x18\x02 \x01(\x0b2\x13.swgw.v1.InboundAckH\x00B\x06\n\x04kind"D\n\x13InboundSubscription\x12-\n\x0edocument_types\x18\x01 \x03(\x0e2\x15.swgw.v1.DocumentType" \n\nInboundAck\x12\x12\n\nmessage_id\x18\x01 \x01(\t"D\n\x16ReceiveInboundResponse\x12*\n\x08document\x18\x01 \x01(\x0b2\x18.swgw.v1.InboundDocument"\xec\x03\n\x0fInboundDocument\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12 \n\x06sender\x18\x02 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x03 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x1f\n\x06action\x18\x04 \x01(\x0e2\x0f.swgw.v1.Action\x12*\n\x0cbusiness_key\x18\x05 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\'\n\trefers_to\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\x13\n\x0brecord_json\x18\x07 \x01(\x0c\x12\x17\n\x0fsigned_document\x18\x08 \x01(\x0c\x12\x17\n\x0fdocument_format\x18\t \x01(\t\x12)\n\x06report\x18\n \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x16\n\x0esigner_subject\x18\x0b \x01(\t\x12\x1a\n\x12signer_fingerprint\x18\x0c \x01(\t\x12/\n\x0breceived_at\x18\r \x01(\x0b2\x1a.google.protobuf.Timestamp\x12(\n\x0battachments\x18\x0e \x03(\x0b2\x13.swgw.v1.Attachment2\xfd\x04\n\x17DomesticExchangeService\x129\n\x06Submit\x12\x16.swgw.v1.SubmitRequest\x1a\x17.swgw.v1.SubmitResponse\x12O\n\x0cSubmitStream\x12\x1c.swgw.v1.SubmitStreamRequest\x1a\x1d.swgw.v1.SubmitStreamResponse(\x010\x01\x12Y\n\x10UploadAttachment\x12 .swgw.v1.UploadAttachmentRequest\x1a!.swgw.v1.UploadAttachmentResponse(\x01\x12S\n\x0eReadAttachment\x12\x1e.swgw.v1.ReadAttachmentRequest\x1a\x1f.swgw.v1.ReadAttachmentResponse0\x01\x12?\n\x08Validate\x12\x18.swgw.v1.ValidateRequest\x1a\x19.swgw.v1.ValidateResponse\x12B\n\tGetStatus\x12\x19.swgw.v1.GetStatusRequest\x1a\x1a.swgw.v1.GetStatusResponse\x12J\n\x0bWatchStatus\x12\x1b.swgw.v1.WatchStatusRequest\x1a\x1c.swgw.v1.WatchStatusResponse0\x01\x12U\n\x0eReceiveInbound\x12\x1e.swgw.v1.ReceiveInboundRequest\x1a\x1f.swgw.v1.ReceiveInboundResponse(\x010\x01b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.domestic_exchange_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_SUBMITREQUEST']._serialized_start = 102
    _globals['_SUBMITREQUEST']._serialized_end = 361
    _globals['_SUBMITRESPONSE']._serialized_start = 364
    _globals['_SUBMITRESPONSE']._serialized_end = 551
    _globals['_SUBMITSTREAMREQUEST']._serialized_start = 553
    _globals['_SUBMITSTREAMREQUEST']._serialized_end = 614
    _globals['_SUBMITSTREAMRESPONSE']._serialized_start = 617
    _globals['_SUBMITSTREAMRESPONSE']._serialized_end = 757
    _globals['_UPLOADATTACHMENTREQUEST']._serialized_start = 759
    _globals['_UPLOADATTACHMENTREQUEST']._serialized_end = 825
    _globals['_UPLOADATTACHMENTRESPONSE']._serialized_start = 827
    _globals['_UPLOADATTACHMENTRESPONSE']._serialized_end = 883
    _globals['_READATTACHMENTREQUEST']._serialized_start = 885
    _globals['_READATTACHMENTREQUEST']._serialized_end = 942
    _globals['_READATTACHMENTRESPONSE']._serialized_start = 944
    _globals['_READATTACHMENTRESPONSE']._serialized_end = 1009
    _globals['_VALIDATEREQUEST']._serialized_start = 1011
    _globals['_VALIDATEREQUEST']._serialized_end = 1131
    _globals['_VALIDATERESPONSE']._serialized_start = 1133
    _globals['_VALIDATERESPONSE']._serialized_end = 1237
    _globals['_GETSTATUSREQUEST']._serialized_start = 1239
    _globals['_GETSTATUSREQUEST']._serialized_end = 1337
    _globals['_GETSTATUSRESPONSE']._serialized_start = 1339
    _globals['_GETSTATUSRESPONSE']._serialized_end = 1401
    _globals['_WATCHSTATUSREQUEST']._serialized_start = 1403
    _globals['_WATCHSTATUSREQUEST']._serialized_end = 1447
    _globals['_WATCHSTATUSRESPONSE']._serialized_start = 1449
    _globals['_WATCHSTATUSRESPONSE']._serialized_end = 1507
    _globals['_RECEIVEINBOUNDREQUEST']._serialized_start = 1509
    _globals['_RECEIVEINBOUNDREQUEST']._serialized_end = 1627
    _globals['_INBOUNDSUBSCRIPTION']._serialized_start = 1629
    _globals['_INBOUNDSUBSCRIPTION']._serialized_end = 1697
    _globals['_INBOUNDACK']._serialized_start = 1699
    _globals['_INBOUNDACK']._serialized_end = 1731
    _globals['_RECEIVEINBOUNDRESPONSE']._serialized_start = 1733
    _globals['_RECEIVEINBOUNDRESPONSE']._serialized_end = 1801
    _globals['_INBOUNDDOCUMENT']._serialized_start = 1804
    _globals['_INBOUNDDOCUMENT']._serialized_end = 2296
    _globals['_DOMESTICEXCHANGESERVICE']._serialized_start = 2299
    _globals['_DOMESTICEXCHANGESERVICE']._serialized_end = 2936