"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/domestic_exchange.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
from ...swgw.v1 import certificate_ledger_pb2 as swgw_dot_v1_dot_certificate__ledger__pb2
from ...swgw.v1 import envelope_pb2 as swgw_dot_v1_dot_envelope__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1fswgw/v1/domestic_exchange.proto\x12\x07swgw.v1\x1a\x1fgoogle/protobuf/timestamp.proto\x1a swgw/v1/certificate_ledger.proto\x1a\x16swgw/v1/envelope.proto"\x83\x02\n\rSubmitRequest\x12\x17\n\x0fidempotency_key\x18\x01 \x01(\t\x12"\n\x08receiver\x18\x02 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x03 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x1f\n\x06action\x18\x04 \x01(\x0e2\x0f.swgw.v1.Action\x12\x13\n\x0brecord_json\x18\x05 \x01(\x0c\x12\'\n\trefers_to\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12(\n\x0battachments\x18\x07 \x03(\x0b2\x13.swgw.v1.Attachment"\xbb\x01\n\x0eSubmitResponse\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12*\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12&\n\x06status\x18\x03 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12)\n\x06report\x18\x04 \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x16\n\x0epayload_sha256\x18\x05 \x01(\x0c"=\n\x13SubmitStreamRequest\x12&\n\x06submit\x18\x01 \x01(\x0b2\x16.swgw.v1.SubmitRequest"\x8c\x01\n\x14SubmitStreamResponse\x12\x17\n\x0fidempotency_key\x18\x01 \x01(\t\x12)\n\x06result\x18\x02 \x01(\x0b2\x17.swgw.v1.SubmitResponseH\x00\x12%\n\x05error\x18\x03 \x01(\x0b2\x14.swgw.v1.ErrorDetailH\x00B\t\n\x07outcome"B\n\x17UploadAttachmentRequest\x12\'\n\x05chunk\x18\x01 \x01(\x0b2\x18.swgw.v1.AttachmentChunk"8\n\x18UploadAttachmentResponse\x12\x0e\n\x06sha256\x18\x01 \x01(\x0c\x12\x0c\n\x04size\x18\x02 \x01(\x04"9\n\x15ReadAttachmentRequest\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12\x0c\n\x04name\x18\x02 \x01(\t"A\n\x16ReadAttachmentResponse\x12\'\n\x05chunk\x18\x01 \x01(\x0b2\x18.swgw.v1.AttachmentChunk"x\n\x0fValidateRequest\x12"\n\x08receiver\x18\x01 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x02 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x13\n\x0brecord_json\x18\x03 \x01(\x0c"h\n\x10ValidateResponse\x12)\n\x06report\x18\x01 \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x10\n\x08document\x18\x02 \x01(\x0c\x12\x17\n\x0fdocument_format\x18\x03 \x01(\t"b\n\x10GetStatusRequest\x12\x14\n\nmessage_id\x18\x01 \x01(\tH\x00\x12,\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKeyH\x00B\n\n\x08selector"j\n\x11GetStatusResponse\x12)\n\x08messages\x18\x01 \x03(\x0b2\x17.swgw.v1.MessageSummary\x12*\n\x06ledger\x18\x02 \x01(\x0b2\x1a.swgw.v1.CertificateLedger"M\n\x12WatchStatusRequest\x12\x16\n\x0eafter_sequence\x18\x01 \x01(\x04\x12\x1f\n\x17max_events_per_response\x18\x02 \x01(\r"`\n\x13WatchStatusResponse\x12#\n\x05event\x18\x01 \x01(\x0b2\x14.swgw.v1.StatusEvent\x12$\n\x06events\x18\x02 \x03(\x0b2\x14.swgw.v1.StatusEvent"v\n\x15ReceiveInboundRequest\x121\n\tsubscribe\x18\x01 \x01(\x0b2\x1c.swgw.v1.InboundSubscriptionH\x00\x12"\n\x03ack\x18\x02 \x01(\x0b2\x13.swgw.v1.InboundAckH\x00B\x06\n\x04kind"D\n\x13InboundSubscription\x12-\n\x0edocument_types\x18\x01 \x03(\x0e2\x15.swgw.v1.DocumentType" \n\nInboundAck\x12\x12\n\nmessage_id\x18\x01 \x01(\t"D\n\x16ReceiveInboundResponse\x12*\n\x08document\x18\x01 \x01(\x0b2\x18.swgw.v1.InboundDocument"\xec\x03\n\x0fInboundDocument\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12 \n\x06sender\x18\x02 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x03 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x1f\n\x06action\x18\x04 \x01(\x0e2\x0f.swgw.v1.Action\x12*\n\x0cbusiness_key\x18\x05 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\'\n\trefers_to\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\x13\n\x0brecord_json\x18\x07 \x01(\x0c\x12\x17\n\x0fsigned_document\x18\x08 \x01(\x0c\x12\x17\n\x0fdocument_format\x18\t \x01(\t\x12)\n\x06report\x18\n \x01(\x0b2\x19.swgw.v1.ValidationReport\x12\x16\n\x0esigner_subject\x18\x0b \x01(\t\x12\x1a\n\x12signer_fingerprint\x18\x0c \x01(\t\x12/\n\x0breceived_at\x18\r \x01(\x0b2\x1a.google.protobuf.Timestamp\x12(\n\x0battachments\x18\x0e \x03(\x0b2\x13.swgw.v1.Attachment2\xfd\x04\n\x17DomesticExchangeService\x129\n\x06Submit\x12\x16.swgw.v1.SubmitRequest\x1a\x17.swgw.v1.SubmitResponse\x12O\n\x0cSubmitStream\x12\x1c.swgw.v1.SubmitStreamRequest\x1a\x1d.swgw.v1.SubmitStreamResponse(\x010\x01\x12Y\n\x10UploadAttachment\x12 .swgw.v1.UploadAttachmentRequest\x1a!.swgw.v1.UploadAttachmentResponse(\x01\x12S\n\x0eReadAttachment\x12\x1e.swgw.v1.ReadAttachmentRequest\x1a\x1f.swgw.v1.ReadAttachmentResponse0\x01\x12?\n\x08Validate\x12\x18.swgw.v1.ValidateRequest\x1a\x19.swgw.v1.ValidateResponse\x12B\n\tGetStatus\x12\x19.swgw.v1.GetStatusRequest\x1a\x1a.swgw.v1.GetStatusResponse\x12J\n\x0bWatchStatus\x12\x1b.swgw.v1.WatchStatusRequest\x1a\x1c.swgw.v1.WatchStatusResponse0\x01\x12U\n\x0eReceiveInbound\x12\x1e.swgw.v1.ReceiveInboundRequest\x1a\x1f.swgw.v1.ReceiveInboundResponse(\x010\x01b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.domestic_exchange_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_SUBMITREQUEST']._serialized_start = 136
    _globals['_SUBMITREQUEST']._serialized_end = 395
    _globals['_SUBMITRESPONSE']._serialized_start = 398
    _globals['_SUBMITRESPONSE']._serialized_end = 585
    _globals['_SUBMITSTREAMREQUEST']._serialized_start = 587
    _globals['_SUBMITSTREAMREQUEST']._serialized_end = 648
    _globals['_SUBMITSTREAMRESPONSE']._serialized_start = 651
    _globals['_SUBMITSTREAMRESPONSE']._serialized_end = 791
    _globals['_UPLOADATTACHMENTREQUEST']._serialized_start = 793
    _globals['_UPLOADATTACHMENTREQUEST']._serialized_end = 859
    _globals['_UPLOADATTACHMENTRESPONSE']._serialized_start = 861
    _globals['_UPLOADATTACHMENTRESPONSE']._serialized_end = 917
    _globals['_READATTACHMENTREQUEST']._serialized_start = 919
    _globals['_READATTACHMENTREQUEST']._serialized_end = 976
    _globals['_READATTACHMENTRESPONSE']._serialized_start = 978
    _globals['_READATTACHMENTRESPONSE']._serialized_end = 1043
    _globals['_VALIDATEREQUEST']._serialized_start = 1045
    _globals['_VALIDATEREQUEST']._serialized_end = 1165
    _globals['_VALIDATERESPONSE']._serialized_start = 1167
    _globals['_VALIDATERESPONSE']._serialized_end = 1271
    _globals['_GETSTATUSREQUEST']._serialized_start = 1273
    _globals['_GETSTATUSREQUEST']._serialized_end = 1371
    _globals['_GETSTATUSRESPONSE']._serialized_start = 1373
    _globals['_GETSTATUSRESPONSE']._serialized_end = 1479
    _globals['_WATCHSTATUSREQUEST']._serialized_start = 1481
    _globals['_WATCHSTATUSREQUEST']._serialized_end = 1558
    _globals['_WATCHSTATUSRESPONSE']._serialized_start = 1560
    _globals['_WATCHSTATUSRESPONSE']._serialized_end = 1656
    _globals['_RECEIVEINBOUNDREQUEST']._serialized_start = 1658
    _globals['_RECEIVEINBOUNDREQUEST']._serialized_end = 1776
    _globals['_INBOUNDSUBSCRIPTION']._serialized_start = 1778
    _globals['_INBOUNDSUBSCRIPTION']._serialized_end = 1846
    _globals['_INBOUNDACK']._serialized_start = 1848
    _globals['_INBOUNDACK']._serialized_end = 1880
    _globals['_RECEIVEINBOUNDRESPONSE']._serialized_start = 1882
    _globals['_RECEIVEINBOUNDRESPONSE']._serialized_end = 1950
    _globals['_INBOUNDDOCUMENT']._serialized_start = 1953
    _globals['_INBOUNDDOCUMENT']._serialized_end = 2445
    _globals['_DOMESTICEXCHANGESERVICE']._serialized_start = 2448
    _globals['_DOMESTICEXCHANGESERVICE']._serialized_end = 3085