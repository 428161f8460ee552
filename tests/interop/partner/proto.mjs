// The swgw.v1 messages loaded at run time from proto/swgw/v1 with protobufjs (field names as in the .proto
// files), plus google.rpc.Status for error details. The gRPC service itself is loaded by @grpc/proto-loader.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import protobuf from 'protobufjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PROTO_DIR = resolve(HERE, '..', '..', '..', 'proto');
// Decoded messages look like @grpc/proto-loader's: enums by name, 64-bit integers as strings, bytes as Buffers.
export const TO_OBJECT = { longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true };

const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  if (target.startsWith('google/protobuf/')) return target; // protobufjs' bundled well-known types
  return target.startsWith('swgw/') ? join(PROTO_DIR, target) : join(HERE, target);
};
root.loadSync(['swgw/v1/envelope.proto', 'swgw/v1/certificate_ledger.proto', 'google_rpc_status.proto'], { keepCase: true });

export const Envelope = root.lookupType('swgw.v1.Envelope');
export const Receipt = root.lookupType('swgw.v1.Receipt');
export const ErrorDetail = root.lookupType('swgw.v1.ErrorDetail');
export const InquiryAnswer = root.lookupType('swgw.v1.InquiryAnswer');
export const RpcStatus = root.lookupType('google.rpc.Status');

/** Serialized message bytes of a plain object. */
export function encode(type, object) {
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

/** A plain object of serialized message bytes. */
export function decode(type, bytes) {
  return type.toObject(type.decode(bytes), TO_OBJECT);
}
