// gRPC plumbing shared by both roles: the service loaded from proto/swgw/v1 by @grpc/proto-loader, receipts as
// bytes, and errors as google.rpc.Status with a swgw.v1.ErrorDetail in grpc-status-details-bin (guide 2).

import { readFileSync } from 'node:fs';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { ErrorDetail, PROTO_DIR, Receipt, RpcStatus, decode, encode } from './proto.mjs';

const LOAD_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

// gRPC status of each code (README "Errors").
const STATUS = {
  PARTNER_UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  SENDER_MISMATCH: grpc.status.PERMISSION_DENIED,
  DOCUMENT_TYPE_NOT_AGREED: grpc.status.PERMISSION_DENIED,
  FORMAT_NOT_AGREED: grpc.status.PERMISSION_DENIED,
  ENVELOPE_SIGNATURE_INVALID: grpc.status.PERMISSION_DENIED,
  ENVELOPE_INVALID: grpc.status.INVALID_ARGUMENT,
  SIGNATURE_FORMAT_UNSUPPORTED: grpc.status.INVALID_ARGUMENT,
  PAYLOAD_DIGEST_MISMATCH: grpc.status.INVALID_ARGUMENT,
  PAYLOAD_TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
  MESSAGE_STALE: grpc.status.FAILED_PRECONDITION,
  DUPLICATE_CONFLICT: grpc.status.ALREADY_EXISTS,
  MESSAGE_NOT_FOUND: grpc.status.NOT_FOUND,
  REQUEST_MALFORMED: grpc.status.INVALID_ARGUMENT,
};

export function partnerService() {
  const definition = protoLoader.loadSync('swgw/v1/partner_exchange.proto', { ...LOAD_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(definition).swgw.v1.PartnerExchangeService;
}

/** A client of a partner's PartnerExchangeService over mutual TLS: our TLS identity, only the partner's CA, and
 * the agreed server name (guide 3.1). */
export function partnerClient(config, partner) {
  const Service = partnerService();
  const roots = Buffer.concat(partner.caFiles.map((f) => readFileSync(f)));
  return new Service(partner.endpoint, grpc.credentials.createSsl(roots, config.tls.key, config.tls.certificate), {
    'grpc.ssl_target_name_override': partner.tls_server_name, 'grpc.default_authority': partner.tls_server_name,
  });
}

/** The name of a gRPC status code (e.g. "INVALID_ARGUMENT"). */
export function statusName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) ?? String(code);
}

export function encodeReceipt(receipt) {
  return encode(Receipt, receipt);
}

export function decodeReceipt(bytes) {
  return decode(Receipt, bytes);
}

/** A gRPC error carrying google.rpc.Status with one swgw.v1.ErrorDetail in grpc-status-details-bin. */
export function grpcError(error, partner = '') {
  const code = STATUS[error.code] ?? grpc.status.INVALID_ARGUMENT;
  const message = `${error.code}: ${error.message}`.slice(0, 1000);
  const detail = ErrorDetail.encode(ErrorDetail.fromObject({
    code: error.code, message: error.message.slice(0, 100), field_path: error.fieldPath ?? '', partner,
  })).finish();
  const status = RpcStatus.encode(RpcStatus.fromObject({
    code, message, details: [{ type_url: 'type.googleapis.com/swgw.v1.ErrorDetail', value: detail }],
  })).finish();
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(status));
  return { code, details: message, metadata };
}

/** The ErrorDetail of a failed call, read from its google.rpc.Status details. */
export function errorDetailOf(error) {
  const raw = error.metadata?.get('grpc-status-details-bin')?.[0];
  if (!raw) return null;
  const status = RpcStatus.decode(raw);
  const any = status.details.find((d) => d.type_url.endsWith('/swgw.v1.ErrorDetail'));
  return any ? decode(ErrorDetail, any.value) : null;
}
