"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/envelope.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x16swgw/v1/envelope.proto\x12\x07swgw.v1\x1a\x1fgoogle/protobuf/timestamp.proto"(\n\x07PartyId\x12\x0e\n\x06scheme\x18\x01 \x01(\t\x12\r\n\x05value\x18\x02 \x01(\t">\n\x0bBusinessKey\x12\x0e\n\x06issuer\x18\x01 \x01(\t\x12\x0e\n\x06number\x18\x02 \x01(\t\x12\x0f\n\x07version\x18\x03 \x01(\r"]\n\nAttachment\x12\x0c\n\x04name\x18\x01 \x01(\t\x12\x12\n\nmedia_type\x18\x02 \x01(\t\x12\x0f\n\x07content\x18\x03 \x01(\x0c\x12\x0e\n\x06sha256\x18\x04 \x01(\x0c\x12\x0c\n\x04size\x18\x05 \x01(\x04"\x1f\n\x0fAttachmentChunk\x12\x0c\n\x04data\x18\x01 \x01(\x0c"(\n\tSignature\x12\x0e\n\x06format\x18\x01 \x01(\t\x12\x0b\n\x03jws\x18\x02 \x01(\t"\xd1\x03\n\x08Envelope\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12*\n\x0cbusiness_key\x18\x02 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12 \n\x06sender\x18\x03 \x01(\x0b2\x10.swgw.v1.PartyId\x12"\n\x08receiver\x18\x04 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x05 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x17\n\x0fdocument_format\x18\x06 \x01(\t\x12\x1f\n\x06action\x18\x07 \x01(\x0e2\x0f.swgw.v1.Action\x12.\n\ncreated_at\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x0f\n\x07payload\x18\t \x01(\x0c\x12\x16\n\x0epayload_sha256\x18\n \x01(\x0c\x12(\n\x0battachments\x18\x0b \x03(\x0b2\x13.swgw.v1.Attachment\x12\'\n\trefers_to\x18\x0c \x01(\x0b2\x14.swgw.v1.BusinessKey\x12%\n\tsignature\x18\x10 \x01(\x0b2\x12.swgw.v1.SignatureJ\x04\x08\x0f\x10\x10"o\n\x07Finding\x12#\n\x08severity\x18\x01 \x01(\x0e2\x11.swgw.v1.Severity\x12\x0c\n\x04code\x18\x02 \x01(\t\x12\x0c\n\x04path\x18\x03 \x01(\t\x12\x0f\n\x07message\x18\x04 \x01(\t\x12\x12\n\nelement_id\x18\x05 \x01(\t"\x83\x02\n\x10ValidationReport\x12\n\n\x02ok\x18\x01 \x01(\x08\x12"\n\x08findings\x18\x02 \x03(\x0b2\x10.swgw.v1.Finding\x12\x0f\n\x07dropped\x18\x03 \x03(\t\x12\x11\n\tdefaulted\x18\x04 \x03(\t\x12J\n\x11codelist_versions\x18\x05 \x03(\x0b2/.swgw.v1.ValidationReport.CodelistVersionsEntry\x12\x16\n\x0efindings_total\x18\x06 \x01(\r\x1a7\n\x15CodelistVersionsEntry\x12\x0b\n\x03key\x18\x01 \x01(\t\x12\r\n\x05value\x18\x02 \x01(\t:\x028\x01"|\n\x0bErrorDetail\x12\x0c\n\x04code\x18\x01 \x01(\t\x12\x0f\n\x07message\x18\x02 \x01(\t\x12\x12\n\nfield_path\x18\x03 \x01(\t\x12\x0f\n\x07partner\x18\x04 \x01(\t\x12)\n\x06report\x18\x05 \x01(\x0b2\x19.swgw.v1.ValidationReport"\x99\x02\n\x07Receipt\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12\x12\n\nreceipt_id\x18\x02 \x01(\t\x12 \n\x06issuer\x18\x03 \x01(\x0b2\x10.swgw.v1.PartyId\x12(\n\x07outcome\x18\x04 \x01(\x0e2\x17.swgw.v1.ReceiptOutcome\x12\x16\n\x0epayload_sha256\x18\x05 \x01(\x0c\x12/\n\x0breceived_at\x18\x06 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12$\n\x06errors\x18\x07 \x03(\x0b2\x14.swgw.v1.ErrorDetail\x12%\n\tsignature\x18\x10 \x01(\x0b2\x12.swgw.v1.SignatureJ\x04\x08\x0f\x10\x10"\x95\x03\n\x0bStatusEvent\x12\x10\n\x08sequence\x18\x01 \x01(\x04\x12\x12\n\nmessage_id\x18\x02 \x01(\t\x12*\n\x0cbusiness_key\x18\x03 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12%\n\tdirection\x18\x04 \x01(\x0e2\x12.swgw.v1.Direction\x12&\n\x06status\x18\x05 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12/\n\x0fprevious_status\x18\x06 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12&\n\x02at\x18\x07 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12!\n\x07partner\x18\x08 \x01(\x0b2\x10.swgw.v1.PartyId\x12#\n\x05error\x18\t \x01(\x0b2\x14.swgw.v1.ErrorDetail\x12\x0f\n\x07attempt\x18\n \x01(\r\x123\n\x0fnext_attempt_at\x18\x0b \x01(\x0b2\x1a.google.protobuf.Timestamp"\xcd\x04\n\x0eMessageSummary\x12\x12\n\nmessage_id\x18\x01 \x01(\t\x12%\n\tdirection\x18\x02 \x01(\x0e2\x12.swgw.v1.Direction\x12!\n\x07partner\x18\x03 \x01(\x0b2\x10.swgw.v1.PartyId\x12,\n\rdocument_type\x18\x04 \x01(\x0e2\x15.swgw.v1.DocumentType\x12\x17\n\x0fdocument_format\x18\x05 \x01(\t\x12*\n\x0cbusiness_key\x18\x06 \x01(\x0b2\x14.swgw.v1.BusinessKey\x12\x1f\n\x06action\x18\x07 \x01(\x0e2\x0f.swgw.v1.Action\x12&\n\x06status\x18\x08 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12.\n\ncreated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08attempts\x18\x0b \x01(\r\x123\n\x0fnext_attempt_at\x18\x0c \x01(\x0b2\x1a.google.protobuf.Timestamp\x12(\n\nlast_error\x18\r \x01(\x0b2\x14.swgw.v1.ErrorDetail\x12\x16\n\x0epayload_sha256\x18\x0e \x01(\x0c\x12%\n\x07history\x18\x0f \x03(\x0b2\x14.swgw.v1.StatusEvent\x12\x11\n\ttransport\x18\x10 \x01(\t*\x9b\x01\n\x0cDocumentType\x12\x1d\n\x19DOCUMENT_TYPE_UNSPECIFIED\x10\x00\x12\'\n#DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN\x10\x01\x12 \n\x1cDOCUMENT_TYPE_CARGO_MANIFEST\x10\x02\x12!\n\x1dDOCUMENT_TYPE_SPS_CERTIFICATE\x10\x03*[\n\x06Action\x12\x16\n\x12ACTION_UNSPECIFIED\x10\x00\x12\x10\n\x0cACTION_ISSUE\x10\x01\x12\x12\n\x0eACTION_REPLACE\x10\x02\x12\x13\n\x0fACTION_WITHDRAW\x10\x03*a\n\x08Severity\x12\x18\n\x14SEVERITY_UNSPECIFIED\x10\x00\x12\x11\n\rSEVERITY_INFO\x10\x01\x12\x14\n\x10SEVERITY_WARNING\x10\x02\x12\x12\n\x0eSEVERITY_ERROR\x10\x03*m\n\x0eReceiptOutcome\x12\x1f\n\x1bRECEIPT_OUTCOME_UNSPECIFIED\x10\x00\x12\x1c\n\x18RECEIPT_OUTCOME_ACCEPTED\x10\x01\x12\x1c\n\x18RECEIPT_OUTCOME_REJECTED\x10\x02*U\n\tDirection\x12\x19\n\x15DIRECTION_UNSPECIFIED\x10\x00\x12\x16\n\x12DIRECTION_OUTBOUND\x10\x01\x12\x15\n\x11DIRECTION_INBOUND\x10\x02*\xb5\x02\n\rMessageStatus\x12\x1e\n\x1aMESSAGE_STATUS_UNSPECIFIED\x10\x00\x12\x1b\n\x17MESSAGE_STATUS_ACCEPTED\x10\x01\x12\x19\n\x15MESSAGE_STATUS_QUEUED\x10\x02\x12\x1a\n\x16MESSAGE_STATUS_SENDING\x10\x03\x12\x1d\n\x19MESSAGE_STATUS_RETRY_WAIT\x10\x04\x12\x1c\n\x18MESSAGE_STATUS_DELIVERED\x10\x05\x12\x1b\n\x17MESSAGE_STATUS_REJECTED\x10\x06\x12\x19\n\x15MESSAGE_STATUS_FAILED\x10\x07\x12\x1b\n\x17MESSAGE_STATUS_RECEIVED\x10\x08\x12\x1e\n\x1aMESSAGE_STATUS_HANDED_OVER\x10\tb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.envelope_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_VALIDATIONREPORT_CODELISTVERSIONSENTRY']._loaded_options = None
    _globals['_VALIDATIONREPORT_CODELISTVERSIONSENTRY']._serialized_options = b'8\x01'
    _globals['_DOCUMENTTYPE']._serialized_start = 2598
    _globals['_DOCUMENTTYPE']._serialized_end = 2753
    _globals['_ACTION']._serialized_start = 2755
    _globals['_ACTION']._serialized_end = 2846
    _globals['_SEVERITY']._serialized_start = 2848
    _globals['_SEVERITY']._serialized_end = 2945
    _globals['_RECEIPTOUTCOME']._serialized_start = 2947
    _globals['_RECEIPTOUTCOME']._serialized_end = 3056
    _globals['_DIRECTION']._serialized_start = 3058
    _globals['_DIRECTION']._serialized_end = 3143
    _globals['_MESSAGESTATUS']._serialized_start = 3146
    _globals['_MESSAGESTATUS']._serialized_end = 3455
    _globals['_PARTYID']._serialized_start = 68
    _globals['_PARTYID']._serialized_end = 108
    _globals['_BUSINESSKEY']._serialized_start = 110
    _globals['_BUSINESSKEY']._serialized_end = 172
    _globals['_ATTACHMENT']._serialized_start = 174
    _globals['_ATTACHMENT']._serialized_end = 267
    _globals['_ATTACHMENTCHUNK']._serialized_start = 269
    _globals['_ATTACHMENTCHUNK']._serialized_end = 300
    _globals['_SIGNATURE']._serialized_start = 302
    _globals['_SIGNATURE']._serialized_end = 342
    _globals['_ENVELOPE']._serialized_start = 345
    _globals['_ENVELOPE']._serialized_end = 810
    _globals['_FINDING']._serialized_start = 812
    _globals['_FINDING']._serialized_end = 923
    _globals['_VALIDATIONREPORT']._serialized_start = 926
    _globals['_VALIDATIONREPORT']._serialized_end = 1185
    _globals['_VALIDATIONREPORT_CODELISTVERSIONSENTRY']._serialized_start = 1130
    _globals['_VALIDATIONREPORT_CODELISTVERSIONSENTRY']._serialized_end = 1185
    _globals['_ERRORDETAIL']._serialized_start = 1187
    _globals['_ERRORDETAIL']._serialized_end = 1311
    _globals['_RECEIPT']._serialized_start = 1314
    _globals['_RECEIPT']._serialized_end = 1595
    _globals['_STATUSEVENT']._serialized_start = 1598
    _globals['_STATUSEVENT']._serialized_end = 2003
    _globals['_MESSAGESUMMARY']._serialized_start = 2006
    _globals['_MESSAGESUMMARY']._serialized_end = 2595