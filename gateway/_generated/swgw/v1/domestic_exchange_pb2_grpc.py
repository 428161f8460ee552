"""Client and server classes corresponding to protobuf-defined services."""
import grpc
import warnings
from ...swgw.v1 import domestic_exchange_pb2 as swgw_dot_v1_dot_domestic__exchange__pb2
GRPC_GENERATED_VERSION = '1.71.2'
GRPC_VERSION = grpc.__version__
_version_not_supported = False
try:
    from grpc._utilities import first_version_is_lower
    _version_not_supported = first_version_is_lower(GRPC_VERSION, GRPC_GENERATED_VERSION)
except ImportError:
    _version_not_supported = True
if _version_not_supported:
    raise RuntimeError(f'The grpc package installed is at version {GRPC_VERSION},' + f' but the generated code in swgw/v1/domestic_exchange_pb2_grpc.py depends on' + f' grpcio>={GRPC_GENERATED_VERSION}.' + f' Please upgrade your grpc module to grpcio>={GRPC_GENERATED_VERSION}' + f' or downgrade your generated code using grpcio-tools<={GRPC_VERSION}.')

class DomesticExchangeServiceStub(object):
    """DomesticExchangeService is called by the domestic single window hub.
    """

    def __init__(self, channel):
        """Constructor.

        Args:
            channel: A grpc.Channel.
        """
        self.Submit = channel.unary_unary('/swgw.v1.DomesticExchangeService/Submit', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitResponse.FromString, _registered_method=True)
        self.SubmitStream = channel.stream_stream('/swgw.v1.DomesticExchangeService/SubmitStream', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamResponse.FromString, _registered_method=True)
        self.UploadAttachment = channel.stream_unary('/swgw.v1.DomesticExchangeService/UploadAttachment', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentResponse.FromString, _registered_method=True)
        self.ReadAttachment = channel.unary_stream('/swgw.v1.DomesticExchangeService/ReadAttachment', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentResponse.FromString, _registered_method=True)
        self.Validate = channel.unary_unary('/swgw.v1.DomesticExchangeService/Validate', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ValidateRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ValidateResponse.FromString, _registered_method=True)
        self.GetStatus = channel.unary_unary('/swgw.v1.DomesticExchangeService/GetStatus', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusResponse.FromString, _registered_method=True)
        self.WatchStatus = channel.unary_stream('/swgw.v1.DomesticExchangeService/WatchStatus', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusResponse.FromString, _registered_method=True)
        self.ReceiveInbound = channel.stream_stream('/swgw.v1.DomesticExchangeService/ReceiveInbound', request_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundRequest.SerializeToString, response_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundResponse.FromString, _registered_method=True)

class DomesticExchangeServiceServicer(object):
    """DomesticExchangeService is called by the domestic single window hub.
    """

    def Submit(self, request, context):
        """Submit validates a catalog record, maps it to the partner's format, signs it and queues it for delivery.
        Repeating a Submit with the same idempotency key returns the first result.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def SubmitStream(self, request_iterator, context):
        """SubmitStream is Submit for many documents on one bidirectional stream: one answer per request, in order,
        each sent only after the message is committed (requests arriving together share one commit). The caller
        keeps a bounded number of requests unanswered; after a broken stream it sends the unanswered ones again with
        the same idempotency keys and gets the first results.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def UploadAttachment(self, request_iterator, context):
        """UploadAttachment stores a large attachment sent in chunks and answers with its SHA-256 and size; a Submit
        then carries it as an Attachment with that sha256 and size and no content. Uploads are kept by content, so
        uploading the same bytes twice is harmless.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ReadAttachment(self, request, context):
        """ReadAttachment streams the bytes of a large attachment of an inbound document in chunks.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def Validate(self, request, context):
        """Validate maps and validates a record as Submit would, and sends nothing.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def GetStatus(self, request, context):
        """GetStatus returns where messages stand, by message id or by business key.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def WatchStatus(self, request, context):
        """WatchStatus streams every status transition after a cursor, then new ones as they happen.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

    def ReceiveInbound(self, request_iterator, context):
        """ReceiveInbound streams inbound documents to the hub. The hub acknowledges each one on the request stream;
        a document is handed over only when acknowledged, and unacknowledged ones are sent again on the next call.
        """
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details('Method not implemented!')
        raise NotImplementedError('Method not implemented!')

def add_DomesticExchangeServiceServicer_to_server(servicer, server):
    rpc_method_handlers = {'Submit': grpc.unary_unary_rpc_method_handler(servicer.Submit, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitResponse.SerializeToString), 'SubmitStream': grpc.stream_stream_rpc_method_handler(servicer.SubmitStream, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamResponse.SerializeToString), 'UploadAttachment': grpc.stream_unary_rpc_method_handler(servicer.UploadAttachment, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentResponse.SerializeToString), 'ReadAttachment': grpc.unary_stream_rpc_method_handler(servicer.ReadAttachment, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentResponse.SerializeToString), 'Validate': grpc.unary_unary_rpc_method_handler(servicer.Validate, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ValidateRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ValidateResponse.SerializeToString), 'GetStatus': grpc.unary_unary_rpc_method_handler(servicer.GetStatus, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusResponse.SerializeToString), 'WatchStatus': grpc.unary_stream_rpc_method_handler(servicer.WatchStatus, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusResponse.SerializeToString), 'ReceiveInbound': grpc.stream_stream_rpc_method_handler(servicer.ReceiveInbound, request_deserializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundRequest.FromString, response_serializer=swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundResponse.SerializeToString)}
    generic_handler = grpc.method_handlers_generic_handler('swgw.v1.DomesticExchangeService', rpc_method_handlers)
    server.add_generic_rpc_handlers((generic_handler,))
    server.add_registered_method_handlers('swgw.v1.DomesticExchangeService', rpc_method_handlers)

class DomesticExchangeService(object):
    """DomesticExchangeService is called by the domestic single window hub.
    """

    @staticmethod
    def Submit(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.DomesticExchangeService/Submit', swgw_dot_v1_dot_domestic__exchange__pb2.SubmitRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.SubmitResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def SubmitStream(request_iterator, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.stream_stream(request_iterator, target, '/swgw.v1.DomesticExchangeService/SubmitStream', swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.SubmitStreamResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def UploadAttachment(request_iterator, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.stream_unary(request_iterator, target, '/swgw.v1.DomesticExchangeService/UploadAttachment', swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.UploadAttachmentResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ReadAttachment(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_stream(request, target, '/swgw.v1.DomesticExchangeService/ReadAttachment', swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.ReadAttachmentResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def Validate(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.DomesticExchangeService/Validate', swgw_dot_v1_dot_domestic__exchange__pb2.ValidateRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.ValidateResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def GetStatus(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_unary(request, target, '/swgw.v1.DomesticExchangeService/GetStatus', swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.GetStatusResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def WatchStatus(request, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.unary_stream(request, target, '/swgw.v1.DomesticExchangeService/WatchStatus', swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.WatchStatusResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)

    @staticmethod
    def ReceiveInbound(request_iterator, target, options=(), channel_credentials=None, call_credentials=None, insecure=False, compression=None, wait_for_ready=None, timeout=None, metadata=None):
        return grpc.experimental.stream_stream(request_iterator, target, '/swgw.v1.DomesticExchangeService/ReceiveInbound', swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundRequest.SerializeToString, swgw_dot_v1_dot_domestic__exchange__pb2.ReceiveInboundResponse.FromString, options, channel_credentials, insecure, call_credentials, compression, wait_for_ready, timeout, metadata, _registered_method=True)