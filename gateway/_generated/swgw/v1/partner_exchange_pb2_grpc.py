"""Client and server classes corresponding to protobuf-defined services."""
import grpc
import warnings
from ...swgw.v1 import certificate_ledger_pb2 as swgw_dot_v1_dot_certificate__ledger__pb2
from ...swgw.v1 import partner_exchange_pb2 as swgw_dot_v1_dot_partner__exchange__pb2
GRPC_GENERATED_VERSION = '1.71.2'
GRPC_VERSION = grpc.__version__
_version_not_supported = False
try:
    from grpc._utilities import first_version_is_lower
    _version_not_supported = first_version_is_lower(GRPC_VERSION, GRPC_GENERATED_VERSION)
except ImportError:
    _version_not_supported = True
if _version_not_supported:
    raise RuntimeError(f'The grpc package installed is at version {GRPC_VERSION},' + f' but the generated code in swgw/v1/partner_exchange_pb2_grpc.py depends on' + f' grpcio>={GRPC_GENERATED_VERSION}.' + f' Please upgrade your grpc module to grpcio>={GRPC_GENERATED_VERSION}' + f' or downgrade your generated code using grpcio-tools<={GRPC_VERSION}.')

class PartnerExchangeServiceStub(object):
    """PartnerExchangeService receives documents from partner single windows.
    """

    def __init__(self, channel):
        """Constructor.

        Args:
            channel: A grpc.Channel.
        """
        self.Deliver = channel.unary_unary('/swgw.v1.PartnerExchangeService/Deliver', request_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverResponse.FromString, _registered_method=True)
        self.GetReceipt = channel.unary_unary('/swgw.v1.PartnerExchangeService/GetReceipt', request_serializer=swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptResponse.FromString, _registered_method=True)
        self.InquireCertificate = channel.unary_unary('/swgw.v1.PartnerExchangeService/InquireCertificate', request_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateResponse.FromString, _registered_method=True)
        self.DeliverStream = channel.stream_stream('/swgw.v1.PartnerExchangeService/DeliverStream', request_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamResponse.FromString, _registered_method=True)
        self.DeliverLarge = channel.stream_unary('/swgw.v1.PartnerExchangeService/DeliverLarge', request_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeResponse.FromString, _registered_method=True)

class PartnerExchangeServiceServicer(object):
    """PartnerExchangeService receives documents from partner single windows.
    """

    def Deliver(self, request, context):
        """Deliver hands over one signed envelope. The answer is a signed receipt: ACCEPTED, or REJECTED with the
        errors of the document. Failures before the envelope is authenticated (unknown partner, bad envelope
        signature, oversized message) are gRPC errors with an ErrorDetail. Delivering the same message id again
        returns the stored receipt.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def GetReceipt(self, request, context):
        """GetReceipt returns the stored receipt of a message the caller delivered earlier, for a sender that lost the
        answer.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def InquireCertificate(self, request, context):
        """InquireCertificate asks this gateway what became of a certificate it delivered to the caller (by number or
        by document digest). The answer is signed; certificates delivered to other partners are answered UNKNOWN.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def DeliverStream(self, request_iterator, context):
        """DeliverStream is Deliver for many envelopes on one bidirectional stream, for partners whose agreement says
        streaming = true (others get FAILED_PRECONDITION with STREAMING_NOT_AGREED). Every envelope is checked,
        verified and receipted exactly as by Deliver; the answers come back in the order the envelopes were sent,
        one per envelope, each only after the message is committed. Envelopes arriving together share one database
        commit. A sender keeps a bounded number of envelopes unanswered (its window); after a broken stream it sends
        the unanswered ones again (duplicates get their stored receipt).
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def DeliverLarge(self, request_iterator, context):
        """DeliverLarge is Deliver for an envelope with large attachments (Attachment.size set, content empty), for
        partners whose agreement sets max_attachment_bytes. The first request carries the envelope, the next ones
        the chunks of each such attachment in envelope order, each attachment's bytes exactly its size. The receiver
        digests and stores the chunks as they arrive and answers as Deliver does once the envelope is received.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

def add_PartnerExchangeServiceServicer_to_server(servicer, server):
    rpc_method_handlers = {'Deliver': grpc.unary_unary_rpc_method_handler(servicer.Deliver, request_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverRequest.FromString, response_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverResponse.SerializeToString), 'GetReceipt': grpc.unary_unary_rpc_method_handler(servicer.GetReceipt, request_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptRequest.FromString, response_serializer=swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptResponse.SerializeToString), 'InquireCertificate': grpc.unary_unary_rpc_method_handler(servicer.InquireCertificate, request_deserializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateRequest.FromString, response_serializer=swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateResponse.SerializeToString), 'DeliverStream': grpc.stream_stream_rpc_method_handler(servicer.DeliverStream, request_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamRequest.FromString, response_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamResponse.SerializeToString), 'DeliverLarge': grpc.stream_unary_rpc_method_handler(servicer.DeliverLarge, request_deserializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeRequest.FromString, response_serializer=swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeResponse.SerializeToString)}
    generic_handler = grpc.method_handlers_generic_handler('swgw.v1.PartnerExchangeService', rpc_method_handlers)
    server.add_generic_rpc_handlers((generic_handler,))
    server.add_registered_method_handlers('swgw.v1.PartnerExchangeService', rpc_method_handlers)

class PartnerExchangeService(object):
    """PartnerExchangeService receives documents from partner single windows.
    """

    @staticmethod
    def Deliver(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.PartnerExchangeService/Deliver', swgw_dot_v1_dot_partner__exchange__pb2.DeliverRequest.SerializeToString, swgw_dot_v1_dot_partner__exchange__pb2.DeliverResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def GetReceipt(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.PartnerExchangeService/GetReceipt', swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptRequest.SerializeToString, swgw_dot_v1_dot_partner__exchange__pb2.GetReceiptResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def InquireCertificate(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.PartnerExchangeService/InquireCertificate', swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateRequest.SerializeToString, swgw_dot_v1_dot_certificate__ledger__pb2.InquireCertificateResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def DeliverStream(request_iterator, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.stream_stream(request_iterator, target, '/swgw.v1.PartnerExchangeService/DeliverStream', swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamRequest.SerializeToString, swgw_dot_v1_dot_partner__exchange__pb2.DeliverStreamResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def DeliverLarge(request_iterator, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.stream_unary(request_iterator, target, '/swgw.v1.PartnerExchangeService/DeliverLarge', swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeRequest.SerializeToString, swgw_dot_v1_dot_partner__exchange__pb2.DeliverLargeResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)