"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/certificate_ledger.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
from ...swgw.v1 import envelope_pb2 as swgw_dot_v1_dot_envelope__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n swgw/v1/certificate_ledger.proto\x12\x07swgw.v1\x1a\x1fgoogle/protobuf/timestamp.proto\x1a\x16swgw/v1/envelope.proto"\xff\x02\n\x0bLedgerEntry\x12\x0f\n\x07version\x18\x01 \x01(\r\x12\x1f\n\x06action\x18\x02 \x01(\x0e2\x0f.swgw.v1.Action\x12%\n\tdirection\x18\x03 \x01(\x0e2\x12.swgw.v1.Direction\x12\x0f\n\x07partner\x18\x04 \x01(\t\x12\x12\n\nmessage_id\x18\x05 \x01(\t\x12&\n\x06status\x18\x06 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12\x10\n\x08accepted\x18\x07 \x01(\x08\x12\x16\n\x0epayload_sha256\x18\x08 \x01(\x0c\x12\'\n\trefers_to\x18\t \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\n\n\x02by\x18\n \x01(\t\x12&\n\x02at\x18\x0b \x01(\x0b2\x1a.google.protobuf.Timestamp\x12/\n\x0baccepted_at\x18\x0c \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x12\n\nreceipt_id\x18\r \x01(\t"\xb8\x01\n\x11CertificateLedger\x12)\n\x0bcertificate\x18\x01 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12*\n\x06status\x18\x02 \x01(\x0e2\x1a.swgw.v1.CertificateStatus\x12%\n\x07current\x18\x03 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12%\n\x07entries\x18\x04 \x03(\x0b2\x14.swgw.v1.LedgerEntry"|\n\x12CertificateInquiry\x12\x12\n\ninquiry_id\x18\x01 \x01(\t\x12,\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKeyH\x00\x12\x19\n\x0fdocument_sha256\x18\x03 \x01(\x0cH\x00B\t\n\x07subject"\x8c\x01\n\x0fAnsweredVersion\x12\x0f\n\x07version\x18\x01 \x01(\r\x12\x1f\n\x06action\x18\x02 \x01(\x0e2\x0f.swgw.v1.Action\x12\x16\n\x0epayload_sha256\x18\x03 \x01(\x0c\x12/\n\x0baccepted_at\x18\x04 \x01(\x0b2\x1a.google.protobuf.Timestamp"\x97\x03\n\rInquiryAnswer\x12\x12\n\ninquiry_id\x18\x01 \x01(\t\x12"\n\x08answerer\x18\x02 \x01(\x0b2\x10.swgw.v1.PartyId\x12\x1f\n\x05asker\x18\x03 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\x07inquiry\x18\x04 \x01(\x0b2\x1b.swgw.v1.CertificateInquiry\x12*\n\x06status\x18\x05 \x01(\x0e2\x1a.swgw.v1.CertificateStatus\x12)\n\x0bcertificate\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12%\n\x07current\x18\x07 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12)\n\x07history\x18\x08 \x03(\x0b2\x18.swgw.v1.AnsweredVersion\x12/\n\x0banswered_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12%\n\tsignature\x18\n \x01(\x0b2\x12.swgw.v1.Signature"I\n\x19InquireCertificateRequest\x12,\n\x07inquiry\x18\x01 \x01(\x0b2\x1b.swgw.v1.CertificateInquiry"D\n\x1aInquireCertificateResponse\x12&\n\x06answer\x18\x01 \x01(\x0b2\x16.swgw.v1.InquiryAnswer"H\n\x1bGetCertificateLedgerRequest\x12)\n\x0bcertificate\x18\x01 \x01(\x0b2\x14.swgw.v1.BusinessKey"J\n\x1cGetCertificateLedgerResponse\x12*\n\x06ledger\x18\x01 \x01(\x0b2\x1a.swgw.v1.CertificateLedger"a\n InquirePartnerCertificateRequest\x12\x0f\n\x07partner\x18\x01 \x01(\t\x12,\n\x07inquiry\x18\x02 \x01(\x0b2\x1b.swgw.v1.CertificateInquiry"\x7f\n!InquirePartnerCertificateResponse\x12&\n\x06answer\x18\x01 \x01(\x0b2\x16.swgw.v1.InquiryAnswer\x12\x16\n\x0esigner_subject\x18\x02 \x01(\t\x12\x1a\n\x12signer_fingerprint\x18\x03 \x01(\t*\xb8\x01\n\x11CertificateStatus\x12"\n\x1eCERTIFICATE_STATUS_UNSPECIFIED\x10\x00\x12\x1c\n\x18CERTIFICATE_STATUS_VALID\x10\x01\x12\x1f\n\x1bCERTIFICATE_STATUS_REPLACED\x10\x02\x12 \n\x1cCERTIFICATE_STATUS_WITHDRAWN\x10\x03\x12\x1e\n\x1aCERTIFICATE_STATUS_UNKNOWN\x10\x04b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.certificate_ledger_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_CERTIFICATESTATUS']._serialized_start = 1878
    _globals['_CERTIFICATESTATUS']._serialized_end = 2062
    _globals['_LEDGERENTRY']._serialized_start = 103
    _globals['_LEDGERENTRY']._serialized_end = 486
    _globals['_CERTIFICATELEDGER']._serialized_start = 489
    _globals['_CERTIFICATELEDGER']._serialized_end = 673
    _globals['_CERTIFICATEINQUIRY']._serialized_start = 675
    _globals['_CERTIFICATEINQUIRY']._serialized_end = 799
    _globals['_ANSWEREDVERSION']._serialized_start = 802
    _globals['_ANSWEREDVERSION']._serialized_end = 942
    _globals['_INQUIRYANSWER']._serialized_start = 945
    _globals['_INQUIRYANSWER']._serialized_end = 1352
    _globals['_INQUIRECERTIFICATEREQUEST']._serialized_start = 1354
    _globals['_INQUIRECERTIFICATEREQUEST']._serialized_end = 1427
    _globals['_INQUIRECERTIFICATERESPONSE']._serialized_start = 1429
    _globals['_INQUIRECERTIFICATERESPONSE']._serialized_end = 1497
    _globals['_GETCERTIFICATELEDGERREQUEST']._serialized_start = 1499
    _globals['_GETCERTIFICATELEDGERREQUEST']._serialized_end = 1571
    _globals['_GETCERTIFICATELEDGERRESPONSE']._serialized_start = 1573
    _globals['_GETCERTIFICATELEDGERRESPONSE']._serialized_end = 1647
    _globals['_INQUIREPARTNERCERTIFICATEREQUEST']._serialized_start = 1649
    _globals['_INQUIREPARTNERCERTIFICATEREQUEST']._serialized_end = 1746
    _globals['_INQUIREPARTNERCERTIFICATERESPONSE']._serialized_start = 1748
    _globals['_INQUIREPARTNERCERTIFICATERESPONSE']._serialized_end = 1875