"""Client and server classes corresponding to protobuf-defined services."""
import grpc
import warnings
from ...swgw.v1 import certificate_ledger_pb2 as swgw_dot_v1_dot_certificate__ledger__pb2
from ...swgw.v1 import operator_pb2 as swgw_dot_v1_dot_operator__pb2
GRPC_GENERATED_VERSION = '1.71.2'
GRPC_VERSION = grpc.__version__
_version_not_supported = False
try:
    from grpc._utilities import first_version_is_lower
    _version_not_supported = first_version_is_lower(GRPC_VERSION, GRPC_GENERATED_VERSION)
except ImportError:
    _version_not_supported = True
if _version_not_supported:
    raise RuntimeError(f'The grpc package installed is at version {GRPC_VERSION},' + f' but the generated code in swgw/v1/operator_pb2_grpc.py depends on' + f' grpcio>={GRPC_GENERATED_VERSION}.' + f' Please upgrade your grpc module to grpcio>={GRPC_GENERATED_VERSION}' + f' or downgrade your generated code using grpcio-tools<={GRPC_VERSION}.')

class OperatorServiceStub(object):
    """OperatorService administers a running gateway.
    """

    def __init__(self, channel):
        """Constructor.

        Args:
            channel: A grpc.Channel.
        """
        self.ListPartners = channel.unary_unary('/swgw.v1.OperatorService/ListPartners', request_serializer=swgw_dot_v1_dot_operator__pb2.ListPartnersRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListPartnersResponse.FromString, _registered_method=True)
        self.AddTrustCertificate = channel.unary_unary('/swgw.v1.OperatorService/AddTrustCertificate', request_serializer=swgw_dot_v1_dot_operator__pb2.AddTrustCertificateRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.AddTrustCertificateResponse.FromString, _registered_method=True)
        self.ListTrustCertificates = channel.unary_unary('/swgw.v1.OperatorService/ListTrustCertificates', request_serializer=swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesResponse.FromString, _registered_method=True)
        self.ChangeTrustCertificateState = channel.unary_unary('/swgw.v1.OperatorService/ChangeTrustCertificateState', request_serializer=swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateResponse.FromString, _registered_method=True)
        self.ImportCrl = channel.unary_unary('/swgw.v1.OperatorService/ImportCrl', request_serializer=swgw_dot_v1_dot_operator__pb2.ImportCrlRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ImportCrlResponse.FromString, _registered_method=True)
        self.ExportOwnCertificates = channel.unary_unary('/swgw.v1.OperatorService/ExportOwnCertificates', request_serializer=swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesResponse.FromString, _registered_method=True)
        self.ListExpiringCertificates = channel.unary_unary('/swgw.v1.OperatorService/ListExpiringCertificates', request_serializer=swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesResponse.FromString, _registered_method=True)
        self.ListAuditEntries = channel.unary_unary('/swgw.v1.OperatorService/ListAuditEntries', request_serializer=swgw_dot_v1_dot_operator__pb2.ListAuditEntriesRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListAuditEntriesResponse.FromString, _registered_method=True)
        self.VerifyAuditLog = channel.unary_unary('/swgw.v1.OperatorService/VerifyAuditLog', request_serializer=swgw_dot_v1_dot_operator__pb2.VerifyAuditLogRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.VerifyAuditLogResponse.FromString, _registered_method=True)
        self.ListMessages = channel.unary_unary('/swgw.v1.OperatorService/ListMessages', request_serializer=swgw_dot_v1_dot_operator__pb2.ListMessagesRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListMessagesResponse.FromString, _registered_method=True)
        self.ResendMessage = channel.unary_unary('/swgw.v1.OperatorService/ResendMessage', request_serializer=swgw_dot_v1_dot_operator__pb2.ResendMessageRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ResendMessageResponse.FromString, _registered_method=True)
        self.GetCertificateLedger = channel.unary_unary('/swgw.v1.OperatorService/GetCertificateLedger', request_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerResponse.FromString, _registered_method=True)
        self.InquirePartnerCertificate = channel.unary_unary('/swgw.v1.OperatorService/InquirePartnerCertificate', request_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateResponse.FromString, _registered_method=True)
        self.GetStatistics = channel.unary_unary('/swgw.v1.OperatorService/GetStatistics', request_serializer=swgw_dot_v1_dot_operator__pb2.GetStatisticsRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.GetStatisticsResponse.FromString, _registered_method=True)
        self.ListAlerts = channel.unary_unary('/swgw.v1.OperatorService/ListAlerts', request_serializer=swgw_dot_v1_dot_operator__pb2.ListAlertsRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_operator__pb2.ListAlertsResponse.FromString, _registered_method=True)

class OperatorServiceServicer(object):
    """OperatorService administers a running gateway.
    """

    def ListPartners(self, request, context):
        """ListPartners lists the partner agreements in force.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def AddTrustCertificate(self, request, context):
        """AddTrustCertificate adds a certificate to a partner's trust (pending or active).
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ListTrustCertificates(self, request, context):
        """ListTrustCertificates lists trust certificates, optionally for one partner.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ChangeTrustCertificateState(self, request, context):
        """ChangeTrustCertificateState activates, retires or revokes a trust certificate.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ImportCrl(self, request, context):
        """ImportCrl imports a certificate revocation list issued by a partner's CA.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ExportOwnCertificates(self, request, context):
        """ExportOwnCertificates returns this gateway's signing and TLS certificates for partners to trust.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ListExpiringCertificates(self, request, context):
        """ListExpiringCertificates reports certificates that expire within a horizon.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ListAuditEntries(self, request, context):
        """ListAuditEntries returns audit log entries after a sequence number.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def VerifyAuditLog(self, request, context):
        """VerifyAuditLog checks the hash chain of the audit log.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ListMessages(self, request, context):
        """ListMessages lists messages by state and partner.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ResendMessage(self, request, context):
        """ResendMessage queues a failed outbound message again, keeping its message id.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def GetCertificateLedger(self, request, context):
        """GetCertificateLedger returns the life of one certificate: every version sent or received, who and when.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def InquirePartnerCertificate(self, request, context):
        """InquirePartnerCertificate asks a partner about a certificate it issued and verifies the signed answer.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def GetStatistics(self, request, context):
        """GetStatistics counts the messages created in a time range by day, partner, document type and state, with
        the Submit -> DELIVERED latency percentiles and the rejections by error code.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ListAlerts(self, request, context):
        """ListAlerts lists the alerts in force now, most severe first.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

def add_OperatorServiceServicer_to_server(servicer, server):
    rpc_method_handlers = {'ListPartners': grpc.unary_unary_rpc_method_handler(servicer.ListPartners, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListPartnersRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListPartnersResponse.SerializeToString), 'AddTrustCertificate': grpc.unary_unary_rpc_method_handler(servicer.AddTrustCertificate, request_deserializer=swgw_dot_v1_dot_operator__pb2.AddTrustCertificateRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.AddTrustCertificateResponse.SerializeToString), 'ListTrustCertificates': grpc.unary_unary_rpc_method_handler(servicer.ListTrustCertificates, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesResponse.SerializeToString), 'ChangeTrustCertificateState': grpc.unary_unary_rpc_method_handler(servicer.ChangeTrustCertificateState, request_deserializer=swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateResponse.SerializeToString), 'ImportCrl': grpc.unary_unary_rpc_method_handler(servicer.ImportCrl, request_deserializer=swgw_dot_v1_dot_operator__pb2.ImportCrlRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ImportCrlResponse.SerializeToString), 'ExportOwnCertificates': grpc.unary_unary_rpc_method_handler(servicer.ExportOwnCertificates, request_deserializer=swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesResponse.SerializeToString), 'ListExpiringCertificates': grpc.unary_unary_rpc_method_handler(servicer.ListExpiringCertificates, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesResponse.SerializeToString), 'ListAuditEntries': grpc.unary_unary_rpc_method_handler(servicer.ListAuditEntries, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListAuditEntriesRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListAuditEntriesResponse.SerializeToString), 'VerifyAuditLog': grpc.unary_unary_rpc_method_handler(servicer.VerifyAuditLog, request_deserializer=swgw_dot_v1_dot_operator__pb2.VerifyAuditLogRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.VerifyAuditLogResponse.SerializeToString), 'ListMessages': grpc.unary_unary_rpc_method_handler(servicer.ListMessages, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListMessagesRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListMessagesResponse.SerializeToString), 'ResendMessage': grpc.unary_unary_rpc_method_handler(servicer.ResendMessage, request_deserializer=swgw_dot_v1_dot_operator__pb2.ResendMessageRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ResendMessageResponse.SerializeToString), 'GetCertificateLedger': grpc.unary_unary_rpc_method_handler(servicer.GetCertificateLedger, request_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerRequest.FromString, response_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerResponse.SerializeToString), 'InquirePartnerCertificate': grpc.unary_unary_rpc_method_handler(servicer.InquirePartnerCertificate, request_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateRequest.FromString, response_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateResponse.SerializeToString), 'GetStatistics': grpc.unary_unary_rpc_method_handler(servicer.GetStatistics, request_deserializer=swgw_dot_v1_dot_operator__pb2.GetStatisticsRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.GetStatisticsResponse.SerializeToString), 'ListAlerts': grpc.unary_unary_rpc_method_handler(servicer.ListAlerts, request_deserializer=swgw_dot_v1_dot_operator__pb2.ListAlertsRequest.FromString, response_serializer=swgw_dot_v1_dot_operator__pb2.ListAlertsResponse.SerializeToString)}
    generic_handler = grpc.method_handlers_generic_handler('swgw.v1.OperatorService', rpc_method_handlers)
    server.add_generic_rpc_handlers((generic_handler,))
    server.add_registered_method_handlers('swgw.v1.OperatorService', rpc_method_handlers)

class OperatorService(object):
    """OperatorService administers a running gateway.
    """

    @staticmethod
    def ListPartners(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListPartners', swgw_dot_v1_dot_operator__pb2.ListPartnersRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListPartnersResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def AddTrustCertificate(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/AddTrustCertificate', swgw_dot_v1_dot_operator__pb2.AddTrustCertificateRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.AddTrustCertificateResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ListTrustCertificates(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListTrustCertificates', swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListTrustCertificatesResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ChangeTrustCertificateState(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ChangeTrustCertificateState', swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ChangeTrustCertificateStateResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ImportCrl(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ImportCrl', swgw_dot_v1_dot_operator__pb2.ImportCrlRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ImportCrlResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ExportOwnCertificates(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ExportOwnCertificates', swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ExportOwnCertificatesResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ListExpiringCertificates(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListExpiringCertificates', swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListExpiringCertificatesResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ListAuditEntries(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListAuditEntries', swgw_dot_v1_dot_operator__pb2.ListAuditEntriesRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListAuditEntriesResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def VerifyAuditLog(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/VerifyAuditLog', swgw_dot_v1_dot_operator__pb2.VerifyAuditLogRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.VerifyAuditLogResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ListMessages(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListMessages', swgw_dot_v1_dot_operator__pb2.ListMessagesRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListMessagesResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ResendMessage(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ResendMessage', swgw_dot_v1_dot_operator__pb2.ResendMessageRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ResendMessageResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def GetCertificateLedger(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/GetCertificateLedger', swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerRequest.SerializeToString, swgw_dot_v1_dot_certificate__ledger__pb2.GetCertificateLedgerResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def InquirePartnerCertificate(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/InquirePartnerCertificate', swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateRequest.SerializeToString, swgw_dot_v1_dot_certificate__ledger__pb2.InquirePartnerCertificateResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def GetStatistics(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/GetStatistics', swgw_dot_v1_dot_operator__pb2.GetStatisticsRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.GetStatisticsResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ListAlerts(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.OperatorService/ListAlerts', swgw_dot_v1_dot_operator__pb2.ListAlertsRequest.SerializeToString, swgw_dot_v1_dot_operator__pb2.ListAlertsResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)