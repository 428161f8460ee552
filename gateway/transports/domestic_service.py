"""DomesticExchangeService: what the domestic hub calls."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence

import grpc

from .._generated.swgw.v1 import domestic_exchange_pb2 as dpb
from .._generated.swgw.v1 import domestic_exchange_pb2_grpc as dpb_grpc
from ..core.errors import ClientUnauthenticated, EnvelopeInvalid, GatewayError, MessageNotFound
from ..core.ledger import build_ledger
from ..core.ports import BlobStore, MessageRepository, StoredMessage
from ..core.routing import DomesticClient
from ..core.signals import Signals
from ..pipeline.handover import Handover
from ..pipeline.results import SubmitResult
from ..pipeline.runner import Pipeline
from ..pipeline.steps import SubmitCommand
from ..pipeline.streaming import GroupCommit
from . import codec, ledger_codec
from .interceptors import peer_certificate
from .status_map import abort, translate_errors
from .large_service import read_attachment, upload_attachment
from .streaming_service import submit_stream

__all__ = ["DomesticExchangeServicer"]

log = logging.getLogger(__name__)

#: How long a stream sleeps between database reads when no in-process signal arrives (events written by another
#: replica are seen within this time).
POLL_SECONDS = 1.0
_EVENTS_PER_READ = 500
#: How long a batching WatchStatus stream lets events gather after a look that found some.
_BATCH_GATHER_SECONDS = 0.005
#: Documents read per pass of ReceiveInbound.
_PAGE = 100


def _client(context: grpc.ServicerContext) -> str | None:
    """The authenticated domestic client (its certificate's common name), or None on a plain loopback port."""
    cert = peer_certificate(context)
    if cert is None:
        return None
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


class DomesticExchangeServicer(dpb_grpc.DomesticExchangeServiceServicer):
    """Submission, validation, status and inbound handover for the domestic hub."""

    def __init__(self, pipeline: Pipeline, messages: MessageRepository, signals: Signals,
                 clients: Sequence[DomesticClient] = (), transports: Mapping[str, str] | None = None, *,
                 blobs: BlobStore, max_attachment_bytes: int = 0) -> None:
        self._pipeline = pipeline
        self._transports = dict(transports or {})
        self._blobs = blobs
        self._max_attachment_bytes = max_attachment_bytes
        self._messages = messages
        self._signals = signals
        self._clients = frozenset(c.name for c in clients)

    def _who(self, context: grpc.ServicerContext) -> str | None:
        """The client whose traffic this call may see; None (everything) when no domestic clients are
        configured, i.e. one hub on the domestic port."""
        if not self._clients:
            return None
        name = _client(context)
        if name not in self._clients:
            raise ClientUnauthenticated(f"{name or 'a caller without certificate'} is not a configured domestic client")
        return name

    def _visible(self, who: str | None, message: StoredMessage) -> bool:
        return who is None or message.domestic_client == who

    def _command(self, request: dpb.SubmitRequest, context: grpc.ServicerContext) -> SubmitCommand:
        if not request.receiver.value:
            raise EnvelopeInvalid("receiver is required", field_path="receiver")
        return SubmitCommand(
            receiver=request.receiver.value,
            document_type=codec.document_type_from_proto(request.document_type),
            action=codec.action_from_proto(request.action),
            record_json=request.record_json,
            idempotency_key=request.idempotency_key or None,
            refers_to=codec.business_key_from_proto(request.refers_to, "refers_to")
            if request.HasField("refers_to") else None,
            attachments=tuple(codec.attachment_from_proto(a) for a in request.attachments),
            domestic_client=self._who(context) or _client(context),
        )

    @staticmethod
    def _response(result: SubmitResult) -> dpb.SubmitResponse:
        message = result.message
        return dpb.SubmitResponse(
            message_id=message.message_id,
            business_key=codec.business_key_to_proto(message.envelope.business_key),
            status=codec.status_to_proto(message.status),
            report=codec.report_to_proto(result.report),
            payload_sha256=bytes.fromhex(message.envelope.payload_sha256),
        )

    @translate_errors
    def Submit(self, request: dpb.SubmitRequest, context: grpc.ServicerContext) -> dpb.SubmitResponse:  # noqa: N802
        return self._response(self._pipeline.submit(self._command(request, context)))

    @translate_errors
    def SubmitStream(  # noqa: N802
        self, request_iterator: Iterator[dpb.SubmitStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[dpb.SubmitStreamResponse]:
        self._who(context)  # a caller that is no configured client is refused before anything is read
        yield from submit_stream(GroupCommit(self._pipeline), request_iterator,
                                 command=lambda request: self._command(request, context), response=self._response)

    @translate_errors
    def UploadAttachment(  # noqa: N802
        self, request_iterator: Iterator[dpb.UploadAttachmentRequest], context: grpc.ServicerContext
    ) -> dpb.UploadAttachmentResponse:
        self._who(context)
        return upload_attachment(self._blobs, request_iterator, limit=self._max_attachment_bytes)

    @translate_errors
    def ReadAttachment(  # noqa: N802
        self, request: dpb.ReadAttachmentRequest, context: grpc.ServicerContext
    ) -> Iterator[dpb.ReadAttachmentResponse]:
        who = self._who(context)
        message = self._messages.get(request.message_id)
        if not self._visible(who, message):
            raise MessageNotFound(f"no message {request.message_id}", field_path="message_id")
        yield from read_attachment(self._blobs, message, request.name)

    @translate_errors
    def Validate(self, request: dpb.ValidateRequest, context: grpc.ServicerContext) -> dpb.ValidateResponse:  # noqa: N802
        self._who(context)
        result = self._pipeline.validate(
            request.receiver.value, codec.document_type_from_proto(request.document_type), request.record_json
        )
        return dpb.ValidateResponse(
            report=codec.report_to_proto(result.report), document=result.document,
            document_format=result.document_format,
        )

    @translate_errors
    def GetStatus(self, request: dpb.GetStatusRequest, context: grpc.ServicerContext) -> dpb.GetStatusResponse:  # noqa: N802
        who = self._who(context)
        which = request.WhichOneof("selector")
        if which == "message_id":
            found = [m for m in [self._messages.get(request.message_id)] if self._visible(who, m)]
            if not found:
                raise MessageNotFound(f"no message {request.message_id}", field_path="message_id")
        elif which == "business_key":
            key = request.business_key
            found = [m for m in self._messages.find_by_business_key(key.issuer, key.number, key.version or None)
                     if self._visible(who, m)]
            if not found:
                raise MessageNotFound(f"no message with business key {key.issuer}/{key.number}",
                                      field_path="business_key")
        else:
            raise EnvelopeInvalid("give a message_id or a business_key", field_path="selector")
        response = dpb.GetStatusResponse(
            messages=[codec.summary_to_proto(m, self._messages.history(m.message_id),
                                             transport=self._transports.get(m.partner, "")) for m in found]
        )
        if which == "business_key" and not request.business_key.version:
            # The certificate's state: its latest accepted version, not the oldest message.
            key = request.business_key
            response.ledger.CopyFrom(ledger_codec.ledger_to_proto(build_ledger(key.issuer, key.number, found)))
        return response

    @translate_errors
    def WatchStatus(  # noqa: N802
        self, request: dpb.WatchStatusRequest, context: grpc.ServicerContext
    ) -> Iterator[dpb.WatchStatusResponse]:
        who = self._who(context)
        cursor = request.after_sequence
        # Each stream message costs a write and a wake-up of this thread: a hub that asked for batches gets what
        # one read found in as few messages as its batch size allows.
        batch = min(request.max_events_per_response, _EVENTS_PER_READ)
        generation = self._signals.status.generation()
        while context.is_active():
            events = self._messages.events_after(cursor, limit=_EVENTS_PER_READ, domestic_client=who)
            if batch > 1:
                for start in range(0, len(events), batch):
                    yield dpb.WatchStatusResponse(events=[codec.event_fields(e) for e in events[start:start + batch]])
            else:
                for event in events:
                    yield dpb.WatchStatusResponse(event=codec.event_fields(event))
            if events:
                cursor = events[-1].sequence
            if len(events) < _EVENTS_PER_READ:
                if batch > 1 and events:
                    # Busy: the transitions of the next few milliseconds gather for one look and one response
                    # instead of a look and a write each (the hub asked for batches; a quiet stream waits for none).
                    time.sleep(_BATCH_GATHER_SECONDS)
                generation = self._signals.status.wait(generation, POLL_SECONDS)

    def ReceiveInbound(  # noqa: N802
        self, request_iterator: Iterator[dpb.ReceiveInboundRequest], context: grpc.ServicerContext
    ) -> Iterator[dpb.ReceiveInboundResponse]:
        try:
            first = next(request_iterator)
        except StopIteration:
            return
        try:
            document_types = [codec.document_type_from_proto(t) for t in first.subscribe.document_types]
            client = self._who(context)
        except GatewayError as e:
            abort(context, e)
        handover = Handover(self._messages, client=client, document_types=document_types, page=_PAGE)
        done = threading.Event()

        def read_acks() -> None:
            try:
                for request in request_iterator:
                    if request.WhichOneof("kind") != "ack":
                        continue
                    try:
                        self._pipeline.acknowledge(request.ack.message_id, client=client)
                    except GatewayError as e:
                        log.warning("acknowledgement of %s refused: %s", request.ack.message_id, e)
            except grpc.RpcError:
                pass  # the client went away; unacknowledged documents are sent again on its next call
            finally:
                done.set()
                self._signals.inbound.fire()

        threading.Thread(target=read_acks, name="swgw-inbound-acks", daemon=True).start()
        generation = self._signals.inbound.generation()
        while context.is_active() and not done.is_set():
            for message in handover.next_documents():
                yield dpb.ReceiveInboundResponse(document=codec.inbound_document_to_proto(message))
            generation = self._signals.inbound.wait(generation, POLL_SECONDS)
