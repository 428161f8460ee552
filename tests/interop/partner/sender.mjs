// The delivering role: the document signed in the UBL extension placement with xmlsec1, the envelope signed as a
// JWS, an outbox so that retries send the same bytes (guide 10.2), and the receipt checked against the partner's CA.

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

import * as grpc from '@grpc/grpc-js';

import { checkReceipt } from './exchange.mjs';
import { Envelope as EnvelopeType, decode, encode } from './proto.mjs';
import { ENVELOPE_TYP, envelopeFields, sha256, signFields, timestampOf } from './signing.mjs';
import { errorDetailOf, partnerClient, statusName } from './wire.mjs';
import { ublBusinessKey, ublSignatureTemplate, xmlsecSign } from './xmldsig.mjs';

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
    attachments: options.attachments ?? [],
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
  const client = partnerClient(config, partner);
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
        result.grpc = statusName(error.code);
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

/** The verified answer to one envelope of a stream: a receipt checked as send() checks it, or the ErrorDetail. */
async function streamAnswer(partner, envelope, response) {
  const result = { sent: envelope.message_id, message_id: response.message_id };
  if (response.outcome === 'receipt') {
    const { receipt } = response;
    Object.assign(result, { outcome: receipt.outcome, receipt_id: receipt.receipt_id,
      errors: receipt.errors.map((e) => ({ code: e.code, field_path: e.field_path })) });
    try {
      await checkReceipt(receipt, envelope, partner.anchors, new Date());
      result.receipt_verified = true;
    } catch (failure) {
      Object.assign(result, { receipt_verified: false, receipt_error: `${failure.code}: ${failure.message}` });
    }
  } else {
    result.error = { code: response.error.code, message: response.error.message, field_path: response.error.field_path };
  }
  return result;
}

/** DeliverStream (guide 2.1): stored envelopes sent again and new ones, on one stream; one answer each, in order. */
export async function deliverStream(config, options) {
  const partner = config.partners.find((p) => p.party === options.partner);
  if (!partner) throw new Error(`no partner ${options.partner} in the configuration`);
  const outbox = new Outbox(config.outbox);
  const envelopes = (options['resend-id'] ?? []).map((id) => outbox.get(id));
  for (const document of options['stream-document'] ?? []) {
    const tamper = document.startsWith('tamper:');
    const envelope = await buildEnvelope(config, partner, { ...options, document: document.replace(/^tamper:/, ''), tamper,
      'message-id': undefined });
    outbox.put(envelope);
    envelopes.push(envelope);
  }
  const client = partnerClient(config, partner);
  try {
    const responses = await new Promise((resolve, reject) => {
      const received = [];
      const stream = client.DeliverStream({ deadline: Date.now() + 60_000 });
      stream.on('data', (response) => received.push(response));
      stream.on('error', reject);
      stream.on('end', () => resolve(received));
      for (const envelope of envelopes) stream.write({ envelope });
      stream.end();
    });
    const answers = [];
    for (const [index, response] of responses.entries()) answers.push(await streamAnswer(partner, envelopes[index], response));
    return { grpc: 'OK', sent: envelopes.length, answers };
  } catch (error) {
    const detail = errorDetailOf(error);
    return { grpc: statusName(error.code),
      error: detail ? { code: detail.code, message: detail.message } : undefined };
  } finally {
    client.close();
  }
}

/** SHA-256 and size of a file, read in chunks (a large attachment is never read whole). */
async function fileDigest(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return { sha256: hash.digest(), size: statSync(file).size };
}

/** DeliverLarge (guide 2.2): the envelope naming a large attachment by digest and size, then its bytes in 1 MiB
 * chunks read from the file as they are sent (with gRPC's backpressure); the receipt verified as send() does. */
export async function deliverLarge(config, options) {
  const partner = config.partners.find((p) => p.party === options.partner);
  if (!partner) throw new Error(`no partner ${options.partner} in the configuration`);
  const file = options['large-file'];
  const { sha256: digest, size } = await fileDigest(file);
  const attachment = { name: basename(file), media_type: options['large-media-type'] ?? 'application/octet-stream',
    content: Buffer.alloc(0), sha256: digest, size: String(size) };
  const envelope = await buildEnvelope(config, partner, { ...options, attachments: [attachment] });
  const client = partnerClient(config, partner);
  const result = { message_id: envelope.message_id, sha256: digest.toString('hex'), size };
  try {
    const answer = await new Promise((resolve) => {
      const call = client.DeliverLarge({ deadline: Date.now() + 300_000 }, (error, value) => resolve({ error, value }));
      call.write({ envelope });
      (async () => {
        for await (const data of createReadStream(file, { highWaterMark: 1 << 20 })) {
          if (!call.write({ chunk: { data } })) await new Promise((drained) => call.once('drain', drained));
        }
        call.end();
      })().catch(() => call.end());
    });
    if (answer.error) {
      const detail = errorDetailOf(answer.error);
      return { ...result, grpc: String(answer.error.code), error: detail ? { code: detail.code, field_path: detail.field_path } : undefined };
    }
    const { receipt } = answer.value;
    Object.assign(result, { grpc: 'OK', outcome: receipt.outcome, receipt_id: receipt.receipt_id });
    try {
      await checkReceipt(receipt, envelope, partner.anchors, new Date());
      result.receipt_verified = true;
    } catch (failure) {
      Object.assign(result, { receipt_verified: false, receipt_error: `${failure.code}: ${failure.message}` });
    }
    return result;
  } finally {
    client.close();
  }
}

export async function deliverDocument(config, options) {
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
