"""A small Python client for a gateway's domestic and operator services (used by the CLI, the demo and tests)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType

import grpc

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import domestic_exchange_pb2_grpc as dpb_grpc
from .._generated.swgw.v1 import envelope_pb2 as pb
from .._generated.swgw.v1 import operator_pb2_grpc as opb_grpc
from ..core.domain import Action, BusinessKey, DocumentType
from ..transports import codec
from ..transports.status_map import error_from_status

__all__ = ["ClientError", "GatewayClient", "submit_request"]


class ClientError(Exception):
    """A call failed; ``code`` is the gateway's stable error code."""

    def __init__(self, code: str, message: str, field_path: str = "") -> None:
        super().__init__(f"{code}: {message}" + (f" at {field_path}" if field_path else ""))
        self.code = code
        self.message = message
        self.field_path = field_path


_ACTIONS = {Action.ISSUE: pb.ACTION_ISSUE, Action.REPLACE: pb.ACTION_REPLACE, Action.WITHDRAW: pb.ACTION_WITHDRAW}


def submit_request(
    receiver: str,
    document_type: DocumentType,
    record_json: bytes,
    *,
    action: Action = Action.ISSUE,
    refers_to: BusinessKey | None = None,
    idempotency_key: str = "",
) -> dpb.SubmitRequest:
    """The SubmitRequest for a catalog record (for Submit and SubmitStream)."""
    request = dpb.SubmitRequest(
        idempotency_key=idempotency_key,
        receiver=pb.PartyId(value=receiver),
        document_type=codec.document_type_to_proto(document_type),
        action=_ACTIONS[action],
        record_json=record_json,
    )
    if refers_to is not None:
        request.refers_to.CopyFrom(
            pb.BusinessKey(issuer=refers_to.issuer, number=refers_to.number, version=refers_to.version)
        )
    return request


class GatewayClient:
    """Domestic-side client. ``address`` is host:port of the domestic listener."""

    def __init__(self, address: str, *, credentials: grpc.ChannelCredentials | None = None,
                 timeout: float = 30.0, own_connection: bool = False) -> None:
        # gRPC shares one connection between channels to the same address unless told otherwise; a hub that
        # spreads its calls over the workers of `swgw serve --workers N` needs a connection per client.
        options = [("grpc.use_local_subchannel_pool", 1)] if own_connection else []
        self._channel = (grpc.secure_channel(address, credentials, options=options) if credentials
                         else grpc.insecure_channel(address, options=options))
        self.domestic = dpb_grpc.DomesticExchangeServiceStub(self._channel)
        self.operator = opb_grpc.OperatorServiceStub(self._channel)
        self.timeout = timeout

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def wait_ready(self, timeout: float) -> None:
        """Block until the channel connects; raises grpc.FutureTimeoutError."""
        ready = grpc.channel_ready_future(self._channel)
        try:
            ready.result(timeout=timeout)
        finally:
            # Otherwise its polling thread outlives a timeout and fails once the channel is closed.
            ready.cancel()

    def call(self, method: object, request: object, **kwargs: object) -> object:
        """Call a unary method, translating failures into ClientError."""
        try:
            return method(request, timeout=self.timeout, **kwargs)  # type: ignore[operator]
        except grpc.RpcError as e:
            raise ClientError(*error_from_status(e)) from e

    def submit(
        self,
        receiver: str,
        document_type: DocumentType,
        record_json: bytes,
        *,
        action: Action = Action.ISSUE,
        refers_to: BusinessKey | None = None,
        idempotency_key: str = "",
        attachments: Iterable[pb.Attachment] = (),
    ) -> dpb.SubmitResponse:
        """Submit a catalog record for a partner (with ``attachments``: in content, or uploaded large ones)."""
        request = submit_request(receiver, document_type, record_json, action=action, refers_to=refers_to,
                                 idempotency_key=idempotency_key)
        request.attachments.extend(attachments)
        return self.call(self.domestic.Submit, request)  # type: ignore[return-value]

    def submit_stream(
        self, requests: Iterable[dpb.SubmitRequest], *, window: int = 64, timeout: float | None = None
    ) -> Iterator[dpb.SubmitStreamResponse]:
        """Submit many records on one SubmitStream, with at most ``window`` unanswered; yields one answer per
        request, in order. A broken stream raises ClientError (e.g. UNAVAILABLE): the caller sends the requests it
        has no answer for again, with the same idempotency keys."""
        free = threading.Semaphore(window)
        finished = threading.Event()

        def stream() -> Iterator[dpb.SubmitStreamRequest]:
            for request in requests:
                while not free.acquire(timeout=0.5):
                    if finished.is_set():
                        return
                if finished.is_set():
                    return
                yield dpb.SubmitStreamRequest(submit=request)

        call = self.domestic.SubmitStream(stream(), timeout=timeout)
        try:
            for response in call:
                free.release()
                yield response
        except grpc.RpcError as e:
            raise ClientError(*error_from_status(e)) from e
        finally:
            finished.set()
            call.cancel()

    def upload_attachment(self, chunks: Iterable[bytes], *, timeout: float | None = None) -> dpb.UploadAttachmentResponse:
        """Upload a large attachment chunk by chunk (each at most 1 MiB); its sha256 and size, to name it in a
        Submit's attachment (``pb.Attachment(name=..., media_type=..., sha256=..., size=...)``)."""
        requests = (dpb.UploadAttachmentRequest(chunk=pb.AttachmentChunk(data=data)) for data in chunks)
        try:
            response: dpb.UploadAttachmentResponse = self.domestic.UploadAttachment(requests, timeout=timeout)
        except grpc.RpcError as e:
            raise ClientError(*error_from_status(e)) from e
        return response

    def read_attachment(self, message_id: str, name: str, *, timeout: float | None = None) -> Iterator[bytes]:
        """The chunks of a large attachment of an inbound document."""
        request = dpb.ReadAttachmentRequest(message_id=message_id, name=name)
        try:
            for response in self.domestic.ReadAttachment(request, timeout=timeout):
                yield response.chunk.data
        except grpc.RpcError as e:
            raise ClientError(*error_from_status(e)) from e

    def validate(self, receiver: str, document_type: DocumentType, record_json: bytes) -> dpb.ValidateResponse:
        """Dry-run a submission."""
        request = dpb.ValidateRequest(receiver=pb.PartyId(value=receiver),
                                      document_type=codec.document_type_to_proto(document_type),
                                      record_json=record_json)
        return self.call(self.domestic.Validate, request)  # type: ignore[return-value]

    def status(self, message_id: str) -> pb.MessageSummary:
        """The summary (with history) of one message."""
        response = self.call(self.domestic.GetStatus, dpb.GetStatusRequest(message_id=message_id))
        return response.messages[0]  # type: ignore[attr-defined, no-any-return]

    def status_by_key(self, issuer: str, number: str, version: int = 0) -> list[pb.MessageSummary]:
        """Every message carrying a business key."""
        return list(self.status_response_by_key(issuer, number, version).messages)

    def status_response_by_key(self, issuer: str, number: str, version: int = 0) -> dpb.GetStatusResponse:
        """GetStatus by business key: the messages and, when ``version`` is 0, the certificate's ledger."""
        request = dpb.GetStatusRequest(business_key=pb.BusinessKey(issuer=issuer, number=number, version=version))
        return self.call(self.domestic.GetStatus, request)  # type: ignore[return-value]

    def watch(self, after_sequence: int = 0, *, timeout: float | None = None,
              batch: int = 100) -> Iterator[pb.StatusEvent]:
        """Stream status events after a cursor, one by one; the gateway sends up to ``batch`` in one response."""
        request = dpb.WatchStatusRequest(after_sequence=after_sequence, max_events_per_response=batch)
        try:
            for response in self.domestic.WatchStatus(request, timeout=timeout):
                yield from (response.events if batch > 1 else (response.event,))
        except grpc.RpcError as e:
            if e.code() is grpc.StatusCode.DEADLINE_EXCEEDED:
                return
            raise ClientError(*error_from_status(e)) from e

    def receive(self, *, max_documents: int, timeout: float, acknowledge: bool = True,
                handle: Callable[[dpb.InboundDocument], None] | None = None,
                document_types: Sequence[int] = ()) -> list[dpb.InboundDocument]:
        """Take up to ``max_documents`` inbound documents within ``timeout`` seconds, acknowledging each.

        ``handle``, when given, takes each document before it is acknowledged (``swgw inbound`` writes it to disk
        there): a document is acknowledged only once ``handle`` returned, and if it raises, the stream is closed
        with that document unacknowledged (the gateway offers it again) and the error propagates.
        ``document_types`` (protobuf values) subscribes to those types only.

        The request stream is closed only after the acknowledgements are queued (when ``max_documents`` arrived,
        or when ``timeout`` is up), and the response stream is read to its end, so every acknowledgement reaches
        the gateway before this returns.

        If the stream breaks (the gateway went down) after documents arrived, they are returned all the same:
        they may have been handed over already, so dropping them would lose them. One whose acknowledgement was
        lost with the connection is sent again by a later call; deduplicate by message id.
        """
        requests: queue.Queue[dpb.ReceiveInboundRequest | None] = queue.Queue()
        requests.put(dpb.ReceiveInboundRequest(
            subscribe=dpb.InboundSubscription(document_types=list(document_types))))
        closed = threading.Event()
        # Closing and queueing an acknowledgement exclude each other: an acknowledgement queued behind the end of
        # the stream would never be sent, and its document would come again.
        lock = threading.Lock()

        def close() -> None:
            with lock:
                if not closed.is_set():
                    closed.set()
                    requests.put(None)

        def outgoing() -> Iterator[dpb.ReceiveInboundRequest]:
            while (item := requests.get()) is not None:
                yield item

        # At ``timeout`` the request stream is closed, which ends the call once the gateway has processed the
        # acknowledgements; the deadline is only a backstop. (A call cut off by its deadline loses acknowledgements
        # still in flight, and their documents would come again.)
        call = self.domestic.ReceiveInbound(outgoing(), timeout=timeout + self.timeout)
        timer = threading.Timer(timeout, close)
        timer.daemon = True
        timer.start()
        documents: list[dpb.InboundDocument] = []
        try:
            for response in call:
                if handle is not None and not closed.is_set():
                    try:
                        handle(response.document)
                    except BaseException:
                        close()  # unacknowledged: the gateway keeps it and offers it again
                        call.cancel()
                        raise
                with lock:
                    if closed.is_set():
                        continue  # draining: not acknowledged, so the gateway sends it again next time
                    documents.append(response.document)
                    if acknowledge:
                        ack = dpb.InboundAck(message_id=response.document.message_id)
                        requests.put(dpb.ReceiveInboundRequest(ack=ack))
                if len(documents) >= max_documents:
                    close()
        except grpc.RpcError as e:
            if e.code() is not grpc.StatusCode.DEADLINE_EXCEEDED and not documents:
                raise ClientError(*error_from_status(e)) from e
        finally:
            timer.cancel()
            close()
        return documents
