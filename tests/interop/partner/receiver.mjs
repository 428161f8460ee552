// The receiving role: PartnerExchangeService over mutual TLS (Deliver, GetReceipt), checks in the partner guide's
// order (section 8), signed receipts, and the store that answers duplicates byte for byte (section 11).

import { randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

import * as grpc from '@grpc/grpc-js';

import { checkEnvelope, decodeEnvelope } from './exchange.mjs';
import {
  ENVELOPE_TYP, PartnerError, RECEIPT_TYP, canonicalBytes, envelopeFields, receiptFields, sha256, signFields,
  timestampOf, verifySignature,
} from './signing.mjs';
import { decodeReceipt, encodeReceipt, grpcError, partnerService } from './wire.mjs';
import { checkContent, ublBusinessKey, verifyDetached, verifyUbl } from './xmldsig.mjs';

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

export function serve(config) {
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
