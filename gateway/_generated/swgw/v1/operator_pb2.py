"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'swgw/v1/operator.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
from ...swgw.v1 import envelope_pb2 as swgw_dot_v1_dot_envelope__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x16swgw/v1/operator.proto\x12\x07swgw.v1\x1a\x1fgoogle/protobuf/timestamp.proto\x1a\x16swgw/v1/envelope.proto"\x91\x02\n\x07Partner\x12\x1f\n\x05party\x18\x01 \x01(\x0b2\x10.swgw.v1.PartyId\x12\x10\n\x08endpoint\x18\x02 \x01(\t\x12-\n\x0edocument_types\x18\x03 \x03(\x0e2\x15.swgw.v1.DocumentType\x12?\n\x10mapping_profiles\x18\x04 \x03(\x0b2%.swgw.v1.Partner.MappingProfilesEntry\x12\x11\n\ttransport\x18\x05 \x01(\t\x12\x18\n\x10as4_endpoint_url\x18\x06 \x01(\t\x1a6\n\x14MappingProfilesEntry\x12\x0b\n\x03key\x18\x01 \x01(\t\x12\r\n\x05value\x18\x02 \x01(\t:\x028\x01"\x15\n\x13ListPartnersRequest":\n\x14ListPartnersResponse\x12"\n\x08partners\x18\x01 \x03(\x0b2\x10.swgw.v1.Partner"\xac\x03\n\x10TrustCertificate\x12\x0f\n\x07partner\x18\x01 \x01(\t\x12\x13\n\x0bfingerprint\x18\x02 \x01(\t\x12+\n\x04role\x18\x03 \x01(\x0e2\x1d.swgw.v1.TrustCertificateRole\x12-\n\x05state\x18\x04 \x01(\x0e2\x1e.swgw.v1.TrustCertificateState\x12\x0f\n\x07subject\x18\x05 \x01(\t\x12\x0e\n\x06issuer\x18\x06 \x01(\t\x12.\n\nnot_before\x18\x07 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12-\n\tnot_after\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x122\n\x0evalid_from_use\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nrevoked_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x19\n\x11revocation_reason\x18\x0b \x01(\t\x12\x17\n\x0fcertificate_der\x18\x0c \x01(\x0c"\xa3\x01\n\x1aAddTrustCertificateRequest\x12\x0f\n\x07partner\x18\x01 \x01(\t\x12+\n\x04role\x18\x02 \x01(\x0e2\x1d.swgw.v1.TrustCertificateRole\x12\x13\n\x0bcertificate\x18\x03 \x01(\x0c\x122\n\x0evalid_from_use\x18\x04 \x01(\x0b2\x1a.google.protobuf.Timestamp"M\n\x1bAddTrustCertificateResponse\x12.\n\x0bcertificate\x18\x01 \x01(\x0b2\x19.swgw.v1.TrustCertificate"/\n\x1cListTrustCertificatesRequest\x12\x0f\n\x07partner\x18\x01 \x01(\t"P\n\x1dListTrustCertificatesResponse\x12/\n\x0ccertificates\x18\x01 \x03(\x0b2\x19.swgw.v1.TrustCertificate"\xbb\x01\n"ChangeTrustCertificateStateRequest\x12\x0f\n\x07partner\x18\x01 \x01(\t\x12\x13\n\x0bfingerprint\x18\x02 \x01(\t\x12-\n\x05state\x18\x03 \x01(\x0e2\x1e.swgw.v1.TrustCertificateState\x12\x0e\n\x06reason\x18\x04 \x01(\t\x120\n\x0ceffective_at\x18\x05 \x01(\x0b2\x1a.google.protobuf.Timestamp"U\n#ChangeTrustCertificateStateResponse\x12.\n\x0bcertificate\x18\x01 \x01(\x0b2\x19.swgw.v1.TrustCertificate"0\n\x10ImportCrlRequest\x12\x0f\n\x07partner\x18\x01 \x01(\t\x12\x0b\n\x03crl\x18\x02 \x01(\x0c"[\n\x11ImportCrlResponse\x12\x15\n\rrevoked_count\x18\x01 \x01(\r\x12/\n\x0bnext_update\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp"\x1e\n\x1cExportOwnCertificatesRequest"9\n\x1dExportOwnCertificatesResponse\x12\x18\n\x10certificates_pem\x18\x01 \x01(\x0c"6\n\x1fListExpiringCertificatesRequest\x12\x13\n\x0bwithin_days\x18\x01 \x01(\r"\x7f\n ListExpiringCertificatesResponse\x12/\n\x0ccertificates\x18\x01 \x03(\x0b2\x19.swgw.v1.TrustCertificate\x12*\n"partners_without_valid_certificate\x18\x02 \x03(\t"\xba\x01\n\nAuditEntry\x12\x10\n\x08sequence\x18\x01 \x01(\x04\x12&\n\x02at\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\r\n\x05actor\x18\x03 \x01(\t\x12\x0e\n\x06action\x18\x04 \x01(\t\x12\x14\n\x0cdetails_json\x18\x05 \x01(\t\x12\x15\n\rprevious_hash\x18\x06 \x01(\t\x12\x12\n\nentry_hash\x18\x07 \x01(\t\x12\x12\n\nactor_kind\x18\x08 \x01(\t"@\n\x17ListAuditEntriesRequest\x12\x16\n\x0eafter_sequence\x18\x01 \x01(\x04\x12\r\n\x05limit\x18\x02 \x01(\r"@\n\x18ListAuditEntriesResponse\x12$\n\x07entries\x18\x01 \x03(\x0b2\x13.swgw.v1.AuditEntry"\x17\n\x15VerifyAuditLogRequest"b\n\x16VerifyAuditLogResponse\x12\n\n\x02ok\x18\x01 \x01(\x08\x12\x0f\n\x07entries\x18\x02 \x01(\x04\x12\x1a\n\x12first_bad_sequence\x18\x03 \x01(\x04\x12\x0f\n\x07problem\x18\x04 \x01(\t"]\n\x13ListMessagesRequest\x12&\n\x06status\x18\x01 \x01(\x0e2\x16.swgw.v1.MessageStatus\x12\x0f\n\x07partner\x18\x02 \x01(\t\x12\r\n\x05limit\x18\x03 \x01(\r"A\n\x14ListMessagesResponse\x12)\n\x08messages\x18\x01 \x03(\x0b2\x17.swgw.v1.MessageSummary"*\n\x14ResendMessageRequest\x12\x12\n\nmessage_id\x18\x01 \x01(\t"A\n\x15ResendMessageResponse\x12(\n\x07message\x18\x01 \x01(\x0b2\x17.swgw.v1.MessageSummary*\xd4\x01\n\x15TrustCertificateState\x12\'\n#TRUST_CERTIFICATE_STATE_UNSPECIFIED\x10\x00\x12#\n\x1fTRUST_CERTIFICATE_STATE_PENDING\x10\x01\x12"\n\x1eTRUST_CERTIFICATE_STATE_ACTIVE\x10\x02\x12$\n TRUST_CERTIFICATE_STATE_RETIRING\x10\x03\x12#\n\x1fTRUST_CERTIFICATE_STATE_REVOKED\x10\x04*\xad\x01\n\x14TrustCertificateRole\x12&\n"TRUST_CERTIFICATE_ROLE_UNSPECIFIED\x10\x00\x12!\n\x1dTRUST_CERTIFICATE_ROLE_ANCHOR\x10\x01\x12\'\n#TRUST_CERTIFICATE_ROLE_INTERMEDIATE\x10\x02\x12!\n\x1dTRUST_CERTIFICATE_ROLE_PINNED\x10\x032\x88\x08\n\x0fOperatorService\x12K\n\x0cListPartners\x12\x1c.swgw.v1.ListPartnersRequest\x1a\x1d.swgw.v1.ListPartnersResponse\x12`\n\x13AddTrustCertificate\x12#.swgw.v1.AddTrustCertificateRequest\x1a$.swgw.v1.AddTrustCertificateResponse\x12f\n\x15ListTrustCertificates\x12%.swgw.v1.ListTrustCertificatesRequest\x1a&.swgw.v1.ListTrustCertificatesResponse\x12x\n\x1bChangeTrustCertificateState\x12+.swgw.v1.ChangeTrustCertificateStateRequest\x1a,.swgw.v1.ChangeTrustCertificateStateResponse\x12B\n\tImportCrl\x12\x19.swgw.v1.ImportCrlRequest\x1a\x1a.swgw.v1.ImportCrlResponse\x12f\n\x15ExportOwnCertificates\x12%.swgw.v1.ExportOwnCertificatesRequest\x1a&.swgw.v1.ExportOwnCertificatesResponse\x12o\n\x18ListExpiringCertificates\x12(.swgw.v1.ListExpiringCertificatesRequest\x1a).swgw.v1.ListExpiringCertificatesResponse\x12W\n\x10ListAuditEntries\x12 .swgw.v1.ListAuditEntriesRequest\x1a!.swgw.v1.ListAuditEntriesResponse\x12Q\n\x0eVerifyAuditLog\x12\x1e.swgw.v1.VerifyAuditLogRequest\x1a\x1f.swgw.v1.VerifyAuditLogResponse\x12K\n\x0cListMessages\x12\x1c.swgw.v1.ListMessagesRequest\x1a\x1d.swgw.v1.ListMessagesResponse\x12N\n\rResendMessage\x12\x1d.swgw.v1.ResendMessageRequest\x1a\x1e.swgw.v1.ResendMessageResponseb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'swgw.v1.operator_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_PARTNER_MAPPINGPROFILESENTRY']._loaded_options = None
    _globals['_PARTNER_MAPPINGPROFILESENTRY']._serialized_options = b'8\x01'
    _globals['_TRUSTCERTIFICATESTATE']._serialized_start = 2674
    _globals['_TRUSTCERTIFICATESTATE']._serialized_end = 2886
    _globals['_TRUSTCERTIFICATEROLE']._serialized_start = 2889
    _globals['_TRUSTCERTIFICATEROLE']._serialized_end = 3062
    _globals['_PARTNER']._serialized_start = 93
    _globals['_PARTNER']._serialized_end = 366
    _globals['_PARTNER_MAPPINGPROFILESENTRY']._serialized_start = 312
    _globals['_PARTNER_MAPPINGPROFILESENTRY']._serialized_end = 366
    _globals['_LISTPARTNERSREQUEST']._serialized_start = 368
    _globals['_LISTPARTNERSREQUEST']._serialized_end = 389
    _globals['_LISTPARTNERSRESPONSE']._serialized_start = 391
    _globals['_LISTPARTNERSRESPONSE']._serialized_end = 449
    _globals['_TRUSTCERTIFICATE']._serialized_start = 452
    _globals['_TRUSTCERTIFICATE']._serialized_end = 880
    _globals['_ADDTRUSTCERTIFICATEREQUEST']._serialized_start = 883
    _globals['_ADDTRUSTCERTIFICATEREQUEST']._serialized_end = 1046
    _globals['_ADDTRUSTCERTIFICATERESPONSE']._serialized_start = 1048
    _globals['_ADDTRUSTCERTIFICATERESPONSE']._serialized_end = 1125
    _globals['_LISTTRUSTCERTIFICATESREQUEST']._serialized_start = 1127
    _globals['_LISTTRUSTCERTIFICATESREQUEST']._serialized_end = 1174
    _globals['_LISTTRUSTCERTIFICATESRESPONSE']._serialized_start = 1176
    _globals['_LISTTRUSTCERTIFICATESRESPONSE']._serialized_end = 1256
    _globals['_CHANGETRUSTCERTIFICATESTATEREQUEST']._serialized_start = 1259
    _globals['_CHANGETRUSTCERTIFICATESTATEREQUEST']._serialized_end = 1446
    _globals['_CHANGETRUSTCERTIFICATESTATERESPONSE']._serialized_start = 1448
    _globals['_CHANGETRUSTCERTIFICATESTATERESPONSE']._serialized_end = 1533
    _globals['_IMPORTCRLREQUEST']._serialized_start = 1535
    _globals['_IMPORTCRLREQUEST']._serialized_end = 1583
    _globals['_IMPORTCRLRESPONSE']._serialized_start = 1585
    _globals['_IMPORTCRLRESPONSE']._serialized_end = 1676
    _globals['_EXPORTOWNCERTIFICATESREQUEST']._serialized_start = 1678
    _globals['_EXPORTOWNCERTIFICATESREQUEST']._serialized_end = 1708
    _globals['_EXPORTOWNCERTIFICATESRESPONSE']._serialized_start = 1710
    _globals['_EXPORTOWNCERTIFICATESRESPONSE']._serialized_end = 1767
    _globals['_LISTEXPIRINGCERTIFICATESREQUEST']._serialized_start = 1769
    _globals['_LISTEXPIRINGCERTIFICATESREQUEST']._serialized_end = 1823
    _globals['_LISTEXPIRINGCERTIFICATESRESPONSE']._serialized_start = 1825
    _globals['_LISTEXPIRINGCERTIFICATESRESPONSE']._serialized_end = 1952
    _globals['_AUDITENTRY']._serialized_start = 1955
    _globals['_AUDITENTRY']._serialized_end = 2141
    _globals['_LISTAUDITENTRIESREQUEST']._serialized_start = 2143
    _globals['_LISTAUDITENTRIESREQUEST']._serialized_end = 2207
    _globals['_LISTAUDITENTRIESRESPONSE']._serialized_start = 2209
    _globals['_LISTAUDITENTRIESRESPONSE']._serialized_end = 2273
    _globals['_VERIFYAUDITLOGREQUEST']._serialized_start = 2275
    _globals['_VERIFYAUDITLOGREQUEST']._serialized_end = 2298
    _globals['_VERIFYAUDITLOGRESPONSE']._serialized_start = 2300
    _globals['_VERIFYAUDITLOGRESPONSE']._serialized_end = 2398
    _globals['_LISTMESSAGESREQUEST']._serialized_start = 2400
    _globals['_LISTMESSAGESREQUEST']._serialized_end = 2493
    _globals['_LISTMESSAGESRESPONSE']._serialized_start = 2495
    _globals['_LISTMESSAGESRESPONSE']._serialized_end = 2560
    _globals['_RESENDMESSAGEREQUEST']._serialized_start = 2562
    _globals['_RESENDMESSAGEREQUEST']._serialized_end = 2604
    _globals['_RESENDMESSAGERESPONSE']._serialized_start = 2606
    _globals['_RESENDMESSAGERESPONSE']._serialized_end = 2671
    _globals['_OPERATORSERVICE']._serialized_start = 3065
    _globals['_OPERATORSERVICE']._serialized_end = 4097