"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/partner_exchange.proto')
_sym_db = _symbol_database.Default()
from ...swgw.v1 import certificate_ledger_pb2 as swgw_dot_v1_dot_certificate__ledger__pb2
from ...swgw.v1 import envelope_pb2 as swgw_dot_v1_dot_envelope__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1eswgw/v1/partner_exchange.proto\x12\x07swgw.v1\x1a swgw/v1/certificate_ledger.proto\x1a\x16swgw/v1/envelope.proto"5\n\x0eDeliverRequest\x12#\n\x08envelope\x18\x01 \x01(\x0b2\x11.swgw.v1.Envelope"4\n\x0fDeliverResponse\x12!\n\x07receipt\x18\x01 \x01(\x0b2\x10.swgw.v1.Receipt"\'\n\x11GetReceiptRequest\x12\x12\n\nmessage_id\x18\x01 \x01(\t"7\n\x12GetReceiptResponse\x12!\n\x07receipt\x18\x01 \x01(\x0b2\x10.swgw.v1.Receipt";\n\x14DeliverStreamRequest\x12#\n\x08envelope\x18\x01 \x01(\x0b2\x11.swgw.v1.Envelope"\x82\x01\n\x15DeliverStreamResponse\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12#\n\x07receipt\x18\x02 \x01(\x0b2\x10.swgw.v1.ReceiptH\x00\x12%\n\x05error\x18\x03 \x01(\x0b2\x14.swgw.v1.ErrorDetailH\x00B\t\n\x07outcome"9\n\x14DeliverLargeResponse\x12!\n\x07receipt\x18\x01 \x01(\x0b2\x10.swgw.v1.Receipt"o\n\x13DeliverLargeRequest\x12%\n\x08envelope\x18\x01 \x01(\x0b2\x11.swgw.v1.EnvelopeH\x00\x12)\n\x05chunk\x18\x02 \x01(\x0b2\x18.swgw.v1.AttachmentChunkH\x00B\x06\n\x04part2\x9f\x03\n\x16PartnerExchangeService\x12<\n\x07Deliver\x12\x17.swgw.v1.DeliverRequest\x1a\x18.swgw.v1.DeliverResponse\x12E\n\nGetReceipt\x12\x1a.swgw.v1.GetReceiptRequest\x1a\x1b.swgw.v1.GetReceiptResponse\x12]\n\x12InquireCertificate\x12".swgw.v1.InquireCertificateRequest\x1a#.swgw.v1.InquireCertificateResponse\x12R\n\rDeliverStream\x12\x1d.swgw.v1.DeliverStreamRequest\x1a\x1e.swgw.v1.DeliverStreamResponse(\x010\x01\x12M\n\x0cDeliverLarge\x12\x1c.swgw.v1.DeliverLargeRequest\x1a\x1d.swgw.v1.DeliverLargeResponse(\x01b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.partner_exchange_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_DELIVERREQUEST']._serialized_start = 101
    _globals['_DELIVERREQUEST']._serialized_end = 154
    _globals['_DELIVERRESPONSE']._serialized_start = 156
    _globals['_DELIVERRESPONSE']._serialized_end = 208
    _globals['_GETRECEIPTREQUEST']._serialized_start = 210
    _globals['_GETRECEIPTREQUEST']._serialized_end = 249
    _globals['_GETRECEIPTRESPONSE']._serialized_start = 251
    _globals['_GETRECEIPTRESPONSE']._serialized_end = 306
    _globals['_DELIVERSTREAMREQUEST']._serialized_start = 308
    _globals['_DELIVERSTREAMREQUEST']._serialized_end = 367
    _globals['_DELIVERSTREAMRESPONSE']._serialized_start = 370
    _globals['_DELIVERSTREAMRESPONSE']._serialized_end = 500
    _globals['_DELIVERLARGERESPONSE']._serialized_start = 502
    _globals['_DELIVERLARGERESPONSE']._serialized_end = 559
    _globals['_DELIVERLARGEREQUEST']._serialized_start = 561
    _globals['_DELIVERLARGEREQUEST']._serialized_end = 672
    _globals['_PARTNEREXCHANGESERVICE']._serialized_start = 675
    _globals['_PARTNEREXCHANGESERVICE']._serialized_end = 1090