#!/usr/bin/env node
// A foreign single window that does not run swgw: swgw's partner exchange implemented in Node.js from swgw's
// documentation (README "The flow", "Errors", "Envelope and receipt signatures", "Document signatures" and the
// proto files), with @grpc/grpc-js, jose, canonicalize, node:crypto and xmlsec1.
//
//   node window.mjs serve --config cfg.json
//       PartnerExchangeService (Deliver, GetReceipt) over mutual TLS; prints {"listening": PORT} when ready.
//   node window.mjs deliver --config cfg.json --partner CN --document unsigned.xml
//                    [--type DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN] [--message-id ID] [--tamper] [--attempts N]
//       signs the document (UBL extension placement) and the envelope, stores the envelope in the outbox,
//       delivers it (transient failures and unverifiable receipts retried with the same bytes), verifies the
//       receipt and prints the result as JSON (exit 0 when the exchange completed with a verified receipt or a
//       gRPC error with its ErrorDetail, 1 otherwise). --message-id reuses an id (to provoke a conflict);
//       --tamper alters the document after its signature (to provoke a REJECTED receipt).
//   node window.mjs deliver --config cfg.json --partner CN --resend --message-id ID
//       delivers the stored envelope again, byte for byte.
//
// The configuration (JSON; relative paths against its folder):
//   {"party": "SG", "listen": "127.0.0.1:0", "store": "received.json", "outbox": "sent.json",
//    "tls": {"key", "certificate", "chain"}, "signing": {"key", "certificate", "chain"},
//    "partners": [{"party": "CN", "ca": ["cn-ca.pem"], "endpoint": "127.0.0.1:7443",
//                  "tls_server_name": "cn.gateway.test", "max_message_age_seconds": 604800,
//                  "max_payload_bytes": 8388608,
//                  "documents": {"DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN": {
//                      "format": "urn:...", "signature": "ubl-extension",        (the agreed format and placement)
//                      "schema": "UBL-CertificateOfOrigin-2.4.xsd",              (optional: validated with xmllint)
//                      "required_elements": ["cac:ExporterParty"]}}}]}          (optional: the window's own rules)

import { randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import {
  ENVELOPE_TYP, PartnerError, RECEIPT_TYP, canonicalBytes, envelopeFields, loadIdentity, pemCertificates,
  receiptFields, sha256, signFields, timestampOf, verifySignature,
} from './signing.mjs';
import { checkEnvelope, checkReceipt, decodeEnvelope } from './exchange.mjs';
import { Envelope as EnvelopeType, ErrorDetail, PROTO_DIR, Receipt, RpcStatus, decode, encode } from './proto.mjs';
import {
  checkContent, ublBusinessKey, ublSignatureTemplate, verifyDetached, verifyUbl, xmlsecSign,
} from './xmldsig.mjs';

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

// --- protobuf -------------------------------------------------------------------------------------------------

function partnerService() {
  const definition = protoLoader.loadSync('swgw/v1/partner_exchange.proto', { ...LOAD_OPTIONS, includeDirs: [PROTO_DIR] });
  return grpc.loadPackageDefinition(definition).swgw.v1.PartnerExchangeService;
}

function encodeReceipt(receipt) {
  return encode(Receipt, receipt);
}

function decodeReceipt(bytes) {
  return decode(Receipt, bytes);
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
  return any ? decode(ErrorDetail, any.value) : null;
}

// --- configuration --------------------------------------------------------------------------------------------

function loadConfig(file) {
  const folder = dirname(resolve(file));
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const path = (p) => (isAbsolute(p) ? p : join(folder, p));
  const read = (p) => (p ? readFileSync(path(p)) : Buffer.alloc(0));
  const partners = (config.partners ?? []).map((p) => ({
    ...p,
    documents: Object.fromEntries(Object.entries(p.documents).map(([type, agreed]) => [type, {
      ...agreed, schema: agreed.schema ? path(agreed.schema) : undefined,
    }])),
    caFiles: p.ca.map(path),
    anchors: p.ca.flatMap((f) => pemCertificates(read(f))),
    maxAge: p.max_message_age_seconds ?? 604800,
    maxBytes: p.max_payload_bytes ?? 8388608,
  }));
  return {
    party: config.party,
    listen: config.listen ?? '127.0.0.1:0',
    store: path(config.store ?? 'received.json'),
    outbox: path(config.outbox ?? 'sent.json'),
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

  /** Whether (issuer, number, version) was accepted from this sender for this document type (guide 11.3). */
  acceptedKey(sender, documentType, key) {
    return Object.values(this.messages).some((m) => m.sender === sender && m.document_type === documentType
      && m.outcome === 'RECEIPT_OUTCOME_ACCEPTED' && m.business_key.issuer === key.issuer
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
    && (certificate.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.2'); // X509Certificate.keyUsage: the EKU OIDs
  const partner = config.partners.find((p) => p.anchors.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey)));
  if (!partner || !usable) throw new PartnerError('PARTNER_UNAUTHENTICATED', 'the client certificate belongs to no partner');
  return partner;
}

/** Guide 8, steps 12 and 14: the document signature at the agreed placement, then the document's business key. */
function checkDocument(envelope, agreed, partner) {
  if (agreed.signature === 'ubl-extension') {
    const result = verifyUbl(envelope.payload, partner.caFiles);
    if (!result.ok) return result;
    const content = checkContent(envelope.payload, agreed.schema, agreed.required_elements);
    if (!content.ok) return content;
    const key = ublBusinessKey(envelope.payload);
    const declared = envelope.business_key;
    if (key.issuer !== declared.issuer || key.number !== declared.number || key.version !== Number(declared.version)) {
      return { ok: false, code: 'BUSINESS_KEY_MISMATCH', message: 'the document names another business key', fieldPath: 'envelope.business_key' };
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
    errors: errors.map((e) => ({ code: e.code, message: e.message.slice(0, 1000), field_path: e.fieldPath ?? '' })),
  };
  receipt.signature = await signFields(config.identity, receiptFields(receipt), RECEIPT_TYP);
  return receipt;
}

/** Deliver, in the order of the partner guide's section 8; the first failure decides the answer. */
async function deliver(call, config, store) {
  let partner = null;
  try {
    if (call.request.malformed) throw new PartnerError('REQUEST_MALFORMED', 'the request is not a DeliverRequest', 'request');
    partner = authenticate(call, config);
    const { envelope } = call.request;
    const digests = decodeEnvelope(envelope);
    // "Same content": every signed field equal, digests of the bytes received now (guide 11.1).
    const content = sha256(canonicalBytes(envelopeFields(envelope, digests))).toString('hex');
    const known = store.get(envelope.message_id);
    if (known) {
      if (known.sender !== partner.party || known.content_sha256 !== content) {
        throw new PartnerError('DUPLICATE_CONFLICT', 'a known message id with other content', 'envelope.message_id');
      }
      return { receipt: decodeReceipt(Buffer.from(known.receipt, 'base64')) }; // byte for byte as first sent
    }
    const agreed = checkEnvelope(envelope, partner, config.party, new Date());
    await verifySignature(envelope.signature, ENVELOPE_TYP, envelopeFields(envelope, digests), partner.anchors,
      new Date(), 'envelope.signature');
    // From here on the envelope is authentic: failures are signed REJECTED receipts, stored.
    const businessKey = { ...envelope.business_key, version: Number(envelope.business_key.version) };
    let document = checkDocument(envelope, agreed, partner);
    if (document.ok && store.acceptedKey(partner.party, envelope.document_type, businessKey)) {
      document = { ok: false, code: 'DUPLICATE_CONFLICT', message: 'this business key and version were already accepted', fieldPath: 'envelope.business_key' };
    }
    const receipt = document.ok
      ? await signedReceipt(config, envelope, 'RECEIPT_OUTCOME_ACCEPTED', [])
      : await signedReceipt(config, envelope, 'RECEIPT_OUTCOME_REJECTED', [document]);
    const bytes = encodeReceipt(receipt);
    store.put(envelope.message_id, {
      sender: partner.party,
      business_key: businessKey,
      document_type: envelope.document_type,
      action: envelope.action,
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

/** The service definition, with request bytes that are not the RPC's message kept for REQUEST_MALFORMED. */
function tolerantService() {
  const service = {};
  for (const [name, method] of Object.entries(partnerService().service)) {
    const decode = method.requestDeserialize;
    service[name] = {
      ...method,
      requestDeserialize: (bytes) => {
        try {
          return decode(bytes);
        } catch {
          return { malformed: true };
        }
      },
    };
  }
  return service;
}

function serve(config) {
  const store = new Store(config.store);
  const maxBytes = Math.max(...config.partners.map((p) => p.maxBytes), 0);
  // Guide 12: the gRPC message may be the agreed maximum plus 64 KiB (header, signature, attachments' metadata).
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxBytes + 64 * 1024 });
  const unary = (handler) => (call, callback) => {
    handler(call).then((response) => callback(null, response), (error) => callback(error));
  };
  server.addService(tolerantService(), {
    Deliver: unary((call) => deliver(call, config, store)),
    GetReceipt: unary(async (call) => {
      try {
        if (call.request.malformed) throw new PartnerError('REQUEST_MALFORMED', 'the request is not a GetReceiptRequest', 'request');
        const partner = authenticate(call, config);
        const known = store.get(call.request.message_id);
        if (!known || known.sender !== partner.party) {
          throw new PartnerError('MESSAGE_NOT_FOUND', 'no message with that id was stored from you', 'message_id');
        }
        return { receipt: decodeReceipt(Buffer.from(known.receipt, 'base64')) };
      } catch (error) {
        if (error instanceof PartnerError) throw grpcError(error);
        process.stderr.write(`GetReceipt failed: ${error.stack}\n`);
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

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.ABORTED,
  grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.CANCELLED]);

/** The document signed in the UBL extension placement and its signed envelope (guide 4, 6.3, 7). */
async function buildEnvelope(config, partner, options) {
  const type = options.type ?? 'DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN';
  const agreed = partner.documents[type];
  if (!agreed) throw new Error(`${type} is not agreed with ${partner.party}`);
  if (agreed.signature !== 'ubl-extension') throw new Error(`this window signs UBL documents only, not ${agreed.signature}`);
  const unsigned = readFileSync(options.document);
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
    business_key: ublBusinessKey(unsigned),
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
  return envelope;
}

/** The outbox: each envelope stored before its first attempt, so that retries send the same bytes (guide 10.2). */
class Outbox {
  constructor(file) {
    this.file = file;
  }

  read() {
    return existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')).envelopes : {};
  }

  put(envelope) {
    const envelopes = this.read();
    envelopes[envelope.message_id] = encode(EnvelopeType, envelope).toString('base64');
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ envelopes }, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }

  get(id) {
    const stored = this.read()[id];
    if (!stored) throw new Error(`no envelope ${id} in the outbox ${this.file}`);
    return decode(EnvelopeType, Buffer.from(stored, 'base64'));
  }
}

/** One Deliver call: the receipt, or the gRPC error. */
function call(client, envelope) {
  return new Promise((done) => {
    client.Deliver({ envelope }, { deadline: Date.now() + 30_000 }, (error, value) => done({ error, value }));
  });
}

/** GetReceipt for a message whose answer was lost: the stored receipt, or null (not stored, or no answer). */
function storedReceipt(client, messageId) {
  return new Promise((done) => {
    client.GetReceipt({ message_id: messageId }, { deadline: Date.now() + 30_000 }, (error, value) => done(error ? null : value));
  });
}

/** Deliver a stored envelope, retrying transient failures and unverifiable receipts with the same bytes. */
async function send(config, partner, envelope, attempts) {
  const Service = partnerService();
  const roots = Buffer.concat(partner.caFiles.map((f) => readFileSync(f)));
  const credentials = grpc.credentials.createSsl(roots, config.tls.key, config.tls.certificate);
  const client = new Service(partner.endpoint, credentials, {
    'grpc.ssl_target_name_override': partner.tls_server_name, 'grpc.default_authority': partner.tls_server_name,
  });
  const base = {
    message_id: envelope.message_id, business_key: envelope.business_key,
    payload_sha256: Buffer.from(envelope.payload_sha256).toString('hex'),
  };
  let result;
  try {
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      // After a transient failure the receiver may have stored the message and lost only the answer: ask for
      // the stored receipt first (guide 10.2), and deliver the same bytes again when there is none.
      const stored = attempt > 1 ? await storedReceipt(client, envelope.message_id) : null;
      const { error, value } = stored ? { error: null, value: stored } : await call(client, envelope);
      result = { ...base, attempts: attempt, ...(stored ? { via: 'GetReceipt' } : {}) };
      let retry = false;
      if (error) {
        result.grpc = Object.keys(grpc.status).find((k) => grpc.status[k] === error.code) ?? String(error.code);
        result.grpc_message = error.details;
        const detail = errorDetailOf(error);
        if (detail) result.error = { code: detail.code, message: detail.message, field_path: detail.field_path, partner: detail.partner };
        retry = RETRYABLE.has(error.code);
      } else {
        const { receipt } = value;
        result.grpc = 'OK';
        result.outcome = receipt.outcome;
        result.errors = receipt.errors.map((e) => ({ code: e.code, message: e.message, field_path: e.field_path }));
        result.receipt_id = receipt.receipt_id;
        try {
          const { leaf, alg } = await checkReceipt(receipt, envelope, partner.anchors, new Date());
          Object.assign(result, { receipt_verified: true, receipt_signer: leaf.subject.replace(/\n/g, ', '), receipt_alg: alg });
        } catch (failure) {
          Object.assign(result, { receipt_verified: false, receipt_error: `${failure.code}: ${failure.message}`, receipt_field: failure.fieldPath });
          retry = true;
        }
      }
      if (!retry || attempt === attempts) break;
      // Exponential backoff with 20 % jitter, from 0.5 s.
      const delay = 500 * 2 ** (attempt - 1) * (0.8 + 0.4 * Math.random());
      await new Promise((wake) => setTimeout(wake, delay));
    }
  } finally {
    client.close();
  }
  return result;
}

async function deliverDocument(config, options) {
  const partner = config.partners.find((p) => p.party === options.partner);
  if (!partner) throw new Error(`no partner ${options.partner} in the configuration`);
  const outbox = new Outbox(config.outbox);
  let envelope;
  if (options.resend) {
    envelope = outbox.get(options['message-id'] ?? '');
  } else {
    if (!options.document) throw new Error('deliver needs --document (or --resend --message-id ID)');
    envelope = await buildEnvelope(config, partner, options);
    outbox.put(envelope);
  }
  return send(config, partner, envelope, Number(options.attempts ?? 5));
}

// --- command line ---------------------------------------------------------------------------------------------

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' }, partner: { type: 'string' }, document: { type: 'string' }, type: { type: 'string' },
      'message-id': { type: 'string' }, tamper: { type: 'boolean' }, resend: { type: 'boolean' },
      attempts: { type: 'string' },
    },
  });
  if (!values.config || !['serve', 'deliver'].includes(command)) {
    process.stderr.write('usage: window.mjs serve --config cfg.json | deliver --config cfg.json --partner P (--document F [--message-id ID] [--tamper] | --resend --message-id ID) [--attempts N]\n');
    process.exit(2);
  }
  const config = loadConfig(values.config);
  if (command === 'serve') {
    serve(config);
    return;
  }
  if (!values.partner || (!values.document && !(values.resend && values['message-id']))) {
    process.stderr.write('deliver needs --partner and --document, or --partner, --resend and --message-id\n');
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
