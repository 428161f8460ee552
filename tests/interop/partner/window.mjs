#!/usr/bin/env node
// A foreign single window that does not run swgw: swgw's partner exchange implemented in Node.js from swgw's
// documentation (README "The flow", "Errors", "Envelope and receipt signatures", "Document signatures" and the
// proto files), with @grpc/grpc-js, jose, canonicalize, node:crypto and xmlsec1.
//
//   node window.mjs serve --config cfg.json
//       PartnerExchangeService (Deliver, GetReceipt) over mutual TLS; prints {"listening": PORT} when ready.
//   node window.mjs deliver --config cfg.json --partner CN --document unsigned.xml
//                    [--type DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN] [--message-id ID] [--tamper]
//       signs the document (UBL extension placement) and the envelope, delivers it, verifies the receipt and
//       prints the result as JSON (exit 0 when the exchange completed with a verified receipt or a gRPC error
//       with its ErrorDetail, 1 otherwise).
//
// The configuration (JSON; relative paths against its folder):
//   {"party": "SG", "listen": "127.0.0.1:0", "store": "received.json",
//    "tls": {"key", "certificate", "chain"}, "signing": {"key", "certificate", "chain"},
//    "partners": [{"party": "CN", "ca": ["cn-ca.pem"], "endpoint": "127.0.0.1:7443",
//                  "tls_server_name": "cn.gateway.test", "max_message_age_seconds": 604800,
//                  "max_payload_bytes": 8388608,
//                  "documents": {"DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN": {"format": "urn:...",
//                                                                       "signature": "ubl-extension"}}}]}

import { randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

import {
  ENVELOPE_TYP, PartnerError, RECEIPT_TYP, envelopeFields, loadIdentity, pemCertificates, receiptFields, sha256,
  signFields, timestampDate, timestampOf, verifySignature,
} from './signing.mjs';
import { ublBusinessKey, ublSignatureTemplate, verifyDetached, verifyUbl, xmlsecSign } from './xmldsig.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROTO_DIR = resolve(HERE, '..', '..', '..', 'proto');
const LOAD_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const FUTURE_SKEW_SECONDS = 300;

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
};

// --- protobuf -------------------------------------------------------------------------------------------------

const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  if (target.startsWith('google/protobuf/')) return target; // protobufjs' bundled well-known types
  return target.startsWith('swgw/') ? join(PROTO_DIR, target) : join(HERE, target);
};
root.loadSync(['swgw/v1/envelope.proto', 'google_rpc_status.proto'], { keepCase: true });
const Receipt = root.lookupType('swgw.v1.Receipt');
const ErrorDetail = root.lookupType('swgw.v1.ErrorDetail');
const RpcStatus = root.lookupType('google.rpc.Status');
const TO_OBJECT = { longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true };

function partnerService() {
  const definition = protoLoader.loadSync('swgw/v1/partner_exchange.proto', { ...LOAD_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(definition).swgw.v1.PartnerExchangeService;
}

function encodeReceipt(receipt) {
  return Buffer.from(Receipt.encode(Receipt.fromObject(receipt)).finish());
}

function decodeReceipt(bytes) {
  return Receipt.toObject(Receipt.decode(bytes), TO_OBJECT);
}

/** A gRPC error carrying google.rpc.Status with one swgw.v1.ErrorDetail in grpc-status-details-bin. */
function grpcError(error, partner = '') {
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
function errorDetailOf(error) {
  const raw = error.metadata?.get('grpc-status-details-bin')?.[0];
  if (!raw) return null;
  const status = RpcStatus.decode(raw);
  const any = status.details.find((d) => d.type_url.endsWith('/swgw.v1.ErrorDetail'));
  return any ? ErrorDetail.toObject(ErrorDetail.decode(any.value), TO_OBJECT) : null;
}

// --- configuration --------------------------------------------------------------------------------------------

function loadConfig(file) {
  const folder = dirname(resolve(file));
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const path = (p) => (isAbsolute(p) ? p : join(folder, p));
  const read = (p) => (p ? readFileSync(path(p)) : Buffer.alloc(0));
  const partners = (config.partners ?? []).map((p) => ({
    ...p,
    caFiles: p.ca.map(path),
    anchors: p.ca.flatMap((f) => pemCertificates(read(f))),
    maxAge: p.max_message_age_seconds ?? 604800,
    maxBytes: p.max_payload_bytes ?? 8388608,
  }));
  return {
    party: config.party,
    listen: config.listen ?? '127.0.0.1:0',
    store: path(config.store ?? 'received.json'),
    tls: { key: read(config.tls.key), certificate: Buffer.concat([read(config.tls.certificate), read(config.tls.chain)]) },
    signingFiles: { key: path(config.signing.key), certificates: [config.signing.certificate, config.signing.chain].filter(Boolean).map(path) },
    identity: loadIdentity(read(config.signing.key), read(config.signing.certificate), read(config.signing.chain)),
    partners,
  };
}

// --- the receiving role ---------------------------------------------------------------------------------------

class Store {
  constructor(file) {
    this.file = file;
    this.messages = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).messages : {};
  }

  get(id) {
    return this.messages[id];
  }

  byBusinessKey(sender, key) {
    return Object.values(this.messages).find((m) => m.sender === sender && m.business_key.issuer === key.issuer
      && m.business_key.number === key.number && m.business_key.version === key.version);
  }

  put(id, record) {
    this.messages[id] = record;
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ messages: this.messages }, null, 1));
    renameSync(temporary, this.file); // a reader never sees half a file
  }
}

/** The partner the TLS client certificate belongs to: it chains to that partner's CA and allows clientAuth. */
function authenticate(call, config) {
  const raw = call.getAuthContext?.()?.sslPeerCertificate?.raw;
  if (!raw) throw new PartnerError('PARTNER_UNAUTHENTICATED', 'no client certificate');
  const certificate = new X509Certificate(raw);
  const now = new Date();
  const usable = now >= new Date(certificate.validFrom) && now <= new Date(certificate.validTo)
    && (certificate.keyUsage ?? ['1.3.6.1.5.5.7.3.2']).includes('1.3.6.1.5.5.7.3.2');
  const partner = config.partners.find((p) => p.anchors.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey)));
  if (!partner || !usable) throw new PartnerError('PARTNER_UNAUTHENTICATED', 'the client certificate belongs to no partner');
  return partner;
}

function contentDigest(envelope) {
  // What counts for duplicates: the payload and attachment bytes as received (not the declared digests).
  const parts = [sha256(envelope.payload ?? Buffer.alloc(0))];
  for (const a of envelope.attachments ?? []) parts.push(Buffer.from(`${a.name}\0${a.media_type}\0`), sha256(a.content ?? Buffer.alloc(0)));
  return sha256(Buffer.concat(parts)).toString('hex');
}

function checkEnvelope(envelope, partner, config) {
  const required = [['message_id', envelope.message_id], ['sender.value', envelope.sender?.value],
    ['receiver.value', envelope.receiver?.value], ['document_format', envelope.document_format],
    ['created_at', envelope.created_at], ['business_key', envelope.business_key?.number]];
  for (const [name, value] of required) {
    if (!value) throw new PartnerError('ENVELOPE_INVALID', `${name} is missing`, `envelope.${name}`);
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(envelope.message_id)) {
    throw new PartnerError('ENVELOPE_INVALID', 'message_id is not a UUID', 'envelope.message_id');
  }
  if (envelope.sender.value !== partner.party) {
    throw new PartnerError('SENDER_MISMATCH', `sender ${envelope.sender.value} is not the authenticated partner ${partner.party}`, 'envelope.sender');
  }
  if (envelope.receiver.value !== config.party) {
    throw new PartnerError('SENDER_MISMATCH', `receiver ${envelope.receiver.value} is not ${config.party}`, 'envelope.receiver');
  }
  const agreed = partner.documents[envelope.document_type];
  if (!agreed) throw new PartnerError('DOCUMENT_TYPE_NOT_AGREED', `${envelope.document_type} is not agreed`, 'envelope.document_type');
  if (envelope.document_format !== agreed.format) {
    throw new PartnerError('FORMAT_NOT_AGREED', 'the declared format is not the agreed one', 'envelope.document_format');
  }
  const size = (envelope.payload?.length ?? 0) + (envelope.attachments ?? []).reduce((n, a) => n + (a.content?.length ?? 0), 0);
  if (size > partner.maxBytes) throw new PartnerError('PAYLOAD_TOO_LARGE', `${size} bytes`, 'envelope.payload');
  const digests = { payload: sha256(envelope.payload).toString('hex'), attachments: [] };
  if (!Buffer.from(envelope.payload_sha256 ?? []).equals(sha256(envelope.payload))) {
    throw new PartnerError('PAYLOAD_DIGEST_MISMATCH', 'payload differs from payload_sha256', 'envelope.payload_sha256');
  }
  (envelope.attachments ?? []).forEach((a, i) => {
    if (!Buffer.from(a.sha256 ?? []).equals(sha256(a.content))) {
      throw new PartnerError('PAYLOAD_DIGEST_MISMATCH', `attachment ${a.name} differs from its sha256`, `envelope.attachments[${i}].sha256`);
    }
    digests.attachments.push(sha256(a.content).toString('hex'));
  });
  const age = (Date.now() - timestampDate(envelope.created_at).getTime()) / 1000;
  if (age > partner.maxAge || age < -FUTURE_SKEW_SECONDS) {
    throw new PartnerError('MESSAGE_STALE', `created ${Math.round(age)} s ago`, 'envelope.created_at');
  }
  return { agreed, digests };
}

function checkDocument(envelope, agreed, partner) {
  if (agreed.signature === 'ubl-extension') {
    const result = verifyUbl(envelope.payload, partner.caFiles);
    if (result.ok) {
      const key = ublBusinessKey(envelope.payload);
      const declared = envelope.business_key;
      if (key.issuer !== declared.issuer || key.number !== declared.number || key.version !== Number(declared.version)) {
        return { ok: false, code: 'BUSINESS_KEY_MISMATCH', message: 'the document names another business key', fieldPath: 'envelope.business_key' };
      }
    }
    return result;
  }
  if (agreed.signature === 'detached') {
    const signature = (envelope.attachments ?? []).find((a) => a.name === 'document-signature.xml');
    return verifyDetached(envelope.payload, signature?.content, partner.caFiles);
  }
  return { ok: true, code: '', message: 'no document signature agreed', fieldPath: '' };
}

async function signedReceipt(config, envelope, outcome, errors) {
  const receipt = {
    message_id: envelope.message_id,
    receipt_id: randomUUID(),
    issuer: { scheme: 'urn:swgw:party', value: config.party },
    outcome,
    payload_sha256: sha256(envelope.payload),
    received_at: timestampOf(new Date()),
    errors: errors.map((e) => ({ code: e.code, message: e.message, field_path: e.fieldPath ?? '' })),
  };
  receipt.signature = await signFields(config.identity, receiptFields(receipt), RECEIPT_TYP);
  return receipt;
}

async function deliver(call, config, store) {
  let partner = null;
  try {
    partner = authenticate(call, config);
    const envelope = call.request.envelope;
    if (!envelope) throw new PartnerError('ENVELOPE_INVALID', 'no envelope', 'envelope');
    const content = contentDigest(envelope);
    const known = envelope.message_id ? store.get(envelope.message_id) : null;
    if (known) {
      if (known.sender !== partner.party || known.content_sha256 !== content) {
        throw new PartnerError('DUPLICATE_CONFLICT', 'a known message id with other content', 'envelope.message_id');
      }
      return { receipt: decodeReceipt(Buffer.from(known.receipt, 'base64')) }; // byte for byte as first sent
    }
    const { agreed, digests } = checkEnvelope(envelope, partner, config);
    const sameKey = store.byBusinessKey(partner.party, { ...envelope.business_key, version: Number(envelope.business_key.version) });
    if (sameKey && sameKey.content_sha256 !== content) {
      throw new PartnerError('DUPLICATE_CONFLICT', 'a known business key with other content', 'envelope.business_key');
    }
    await verifySignature(envelope.signature, ENVELOPE_TYP, envelopeFields(envelope, digests), partner.anchors,
      new Date(), 'envelope.signature');
    const document = checkDocument(envelope, agreed, partner);
    const receipt = document.ok
      ? await signedReceipt(config, envelope, 'RECEIPT_OUTCOME_ACCEPTED', [])
      : await signedReceipt(config, envelope, 'RECEIPT_OUTCOME_REJECTED', [document]);
    const bytes = encodeReceipt(receipt);
    store.put(envelope.message_id, {
      sender: partner.party,
      business_key: { ...envelope.business_key, version: Number(envelope.business_key.version) },
      document_type: envelope.document_type,
      content_sha256: content,
      outcome: receipt.outcome,
      document_check: { ok: document.ok, code: document.code, message: document.message },
      payload: Buffer.from(envelope.payload).toString('base64'),
      receipt: bytes.toString('base64'),
    });
    return { receipt: decodeReceipt(bytes) };
  } catch (error) {
    if (error instanceof PartnerError) throw grpcError(error, partner?.party ?? '');
    process.stderr.write(`Deliver failed: ${error.stack}\n`);
    throw { code: grpc.status.INTERNAL, details: 'INTERNAL' };
  }
}

function serve(config) {
  const store = new Store(config.store);
  const maxBytes = Math.max(...config.partners.map((p) => p.maxBytes), 0);
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes + 1024 * 1024 });
  const unary = (handler) => (call, callback) => {
    handler(call).then((response) => callback(null, response), (error) => callback(error));
  };
  server.addService(partnerService().service, {
    Deliver: unary((call) => deliver(call, config, store)),
    GetReceipt: unary(async (call) => {
      try {
        const partner = authenticate(call, config);
        const known = store.get(call.request.message_id);
        if (!known || known.sender !== partner.party) {
          throw new PartnerError('MESSAGE_NOT_FOUND', 'no message with that id from you', 'message_id');
        }
        return { receipt: decodeReceipt(Buffer.from(known.receipt, 'base64')) };
      } catch (error) {
        if (error instanceof PartnerError) throw grpcError(error);
        throw { code: grpc.status.INTERNAL, details: 'INTERNAL' };
      }
    }),
  });
  // Mutual TLS: a client certificate is required and must chain to one of the partners' CAs.
  const roots = Buffer.concat(config.partners.flatMap((p) => p.caFiles.map((f) => readFileSync(f))));
  const credentials = grpc.ServerCredentials.createSsl(roots, [{ private_key: config.tls.key, cert_chain: config.tls.certificate }], true);
  server.bindAsync(config.listen, credentials, (error, port) => {
    if (error) {
      process.stderr.write(`cannot listen on ${config.listen}: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  });
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// --- the delivering role --------------------------------------------------------------------------------------

async function deliverDocument(config, options) {
  const partner = config.partners.find((p) => p.party === options.partner);
  if (!partner) throw new Error(`no partner ${options.partner} in the configuration`);
  const type = options.type ?? 'DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN';
  const agreed = partner.documents[type];
  if (!agreed) throw new Error(`${type} is not agreed with ${partner.party}`);
  const unsigned = readFileSync(options.document);
  const businessKey = ublBusinessKey(unsigned);
  let payload = xmlsecSign(ublSignatureTemplate(unsigned, config.identity.alg), config.signingFiles.key, config.signingFiles.certificates);
  if (options.tamper) {
    // After the document signature, before the envelope's: the envelope is sound, the document is not.
    const text = payload.toString('utf8');
    const changed = text.replace(/<cbc:Note>([^<]*)<\/cbc:Note>/, '<cbc:Note>$1 (altered)</cbc:Note>');
    if (changed === text) throw new Error('nothing to tamper with: no cbc:Note');
    payload = Buffer.from(changed, 'utf8');
  }
  const envelope = {
    message_id: options['message-id'] ?? randomUUID(),
    business_key: businessKey,
    sender: { scheme: 'urn:swgw:party', value: config.party },
    receiver: { scheme: 'urn:swgw:party', value: partner.party },
    document_type: type,
    document_format: agreed.format,
    action: 'ACTION_ISSUE',
    created_at: timestampOf(new Date()),
    payload,
    payload_sha256: sha256(payload),
    attachments: [],
    refers_to: null,
  };
  envelope.signature = await signFields(config.identity, envelopeFields(envelope), ENVELOPE_TYP);

  const Service = partnerService();
  const roots = Buffer.concat(partner.caFiles.map((f) => readFileSync(f)));
  const credentials = grpc.credentials.createSsl(roots, config.tls.key, config.tls.certificate);
  const client = new Service(partner.endpoint, credentials, {
    'grpc.ssl_target_name_override': partner.tls_server_name, 'grpc.default_authority': partner.tls_server_name,
  });
  const result = { message_id: envelope.message_id, business_key: businessKey, payload_sha256: sha256(payload).toString('hex') };
  try {
    const response = await new Promise((done, fail) => {
      client.Deliver({ envelope }, { deadline: Date.now() + 30_000 }, (error, value) => (error ? fail(error) : done(value)));
    });
    const { receipt } = response;
    result.grpc = 'OK';
    result.outcome = receipt.outcome;
    result.errors = receipt.errors.map((e) => ({ code: e.code, message: e.message, field_path: e.field_path }));
    try {
      const { leaf, alg } = await verifySignature(receipt.signature, RECEIPT_TYP, receiptFields(receipt), partner.anchors,
        new Date(), 'receipt.signature');
      const checks = [[receipt.message_id === envelope.message_id, 'message_id'], [receipt.issuer?.value === partner.party, 'issuer'],
        [Buffer.from(receipt.payload_sha256).equals(envelope.payload_sha256), 'payload_sha256']];
      const wrong = checks.filter(([ok]) => !ok).map(([, name]) => name);
      result.receipt_verified = wrong.length === 0;
      result.receipt_signer = leaf.subject.replace(/\n/g, ', ');
      result.receipt_alg = alg;
      if (wrong.length) result.receipt_error = `receipt differs from the message in ${wrong.join(', ')}`;
    } catch (error) {
      result.receipt_verified = false;
      result.receipt_error = `${error.code}: ${error.message}`;
    }
  } catch (error) {
    result.grpc = Object.keys(grpc.status).find((k) => grpc.status[k] === error.code) ?? String(error.code);
    result.grpc_message = error.details;
    const detail = errorDetailOf(error);
    if (detail) result.error = { code: detail.code, message: detail.message, field_path: detail.field_path, partner: detail.partner };
  } finally {
    client.close();
  }
  return result;
}

// --- command line ---------------------------------------------------------------------------------------------

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' }, partner: { type: 'string' }, document: { type: 'string' }, type: { type: 'string' },
      'message-id': { type: 'string' }, tamper: { type: 'boolean' },
    },
  });
  if (!values.config || !['serve', 'deliver'].includes(command)) {
    process.stderr.write('usage: window.mjs serve --config cfg.json | deliver --config cfg.json --partner P --document F [--message-id ID] [--tamper]\n');
    process.exit(2);
  }
  const config = loadConfig(values.config);
  if (command === 'serve') {
    serve(config);
    return;
  }
  if (!values.partner || !values.document) {
    process.stderr.write('deliver needs --partner and --document\n');
    process.exit(2);
  }
  const result = await deliverDocument(config, values);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const completed = (result.grpc === 'OK' && result.receipt_verified) || (result.grpc !== 'OK' && result.error);
  process.exit(completed ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`window.mjs: ${error.message}\n`);
  process.exit(1);
});
