// Envelope and receipt signatures as the README section "Envelope and receipt signatures" describes them: the
// signed fields rebuilt from the protobuf message, RFC 8785 canonical JSON, a compact JWS with the payload
// attached, `typ` naming the kind, and the signer's chain in `x5c` (standard base64 DER).
//
// Written from the documentation only (not from swgw's code): a foreign single window's view of the format.

import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';

export const SIGNATURE_FORMAT = 'jws-rfc7515+rfc8785/1';
export const ALGORITHMS = ['ES256', 'ES384', 'PS256'];
export const ENVELOPE_TYP = 'swgw-envelope+jws';
export const RECEIPT_TYP = 'swgw-receipt+jws';
export const ANSWER_TYP = 'swgw-inquiry-answer+jws';
const DEFAULT_SCHEME = 'urn:swgw:party';
// RFC 7515 4.1 registered header parameters; the README lists those a verifier must refuse.
const REGISTERED = new Set(['alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit']);
const REFUSED = new Set(['crit', 'b64', 'jku', 'jwk', 'x5u', 'zip', 'enc']);
const MAX_JWS_LENGTH = 256 * 1024;

/** A failure with a stable code and a field path, as swgw's error taxonomy names them. */
export class PartnerError extends Error {
  constructor(code, message, fieldPath = '') {
    super(message);
    this.code = code;
    this.fieldPath = fieldPath;
  }
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest();
}

function hex(bytes) {
  return Buffer.from(bytes ?? []).toString('hex');
}

function party(value) {
  return { scheme: value?.scheme || DEFAULT_SCHEME, value: value?.value ?? '' };
}

function key(value) {
  if (value === null || value === undefined) return null;
  return { issuer: value.issuer ?? '', number: value.number ?? '', version: Number(value.version ?? 0) };
}

/** A protobuf Timestamp ({seconds, nanos}) as YYYY-MM-DDTHH:MM:SS.ffffffZ; refused when not whole microseconds. */
export function timestampText(timestamp, fieldPath) {
  if (!timestamp) throw new PartnerError('ENVELOPE_INVALID', 'time missing', fieldPath);
  const nanos = Number(timestamp.nanos ?? 0);
  if (nanos % 1000 !== 0) throw new PartnerError('ENVELOPE_INVALID', 'time is not whole microseconds', fieldPath);
  const seconds = Number(timestamp.seconds ?? 0);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(nanos / 1000).padStart(6, '0')}Z`;
}

/** A protobuf Timestamp for a JavaScript Date (millisecond precision, so whole microseconds). */
export function timestampOf(date) {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function timestampDate(timestamp) {
  return new Date(Number(timestamp.seconds ?? 0) * 1000 + Math.floor(Number(timestamp.nanos ?? 0) / 1e6));
}

/** The envelope's signed fields. `digests` overrides the declared digests with those of the bytes received. */
export function envelopeFields(envelope, digests = null) {
  const action = !envelope.action || envelope.action === 'ACTION_UNSPECIFIED' ? 'ACTION_ISSUE' : envelope.action;
  return {
    message_id: envelope.message_id,
    business_key: key(envelope.business_key ?? { issuer: '', number: '', version: 0 }),
    sender: party(envelope.sender),
    receiver: party(envelope.receiver),
    document_type: envelope.document_type,
    document_format: envelope.document_format,
    action,
    created_at: timestampText(envelope.created_at, 'envelope.created_at'),
    payload_sha256: digests ? digests.payload : hex(envelope.payload_sha256),
    attachments: (envelope.attachments ?? []).map((a, i) => ({
      name: a.name, media_type: a.media_type, sha256: digests ? digests.attachments[i] : hex(a.sha256),
    })),
    refers_to: key(envelope.refers_to),
  };
}

/** The receipt's signed fields. */
export function receiptFields(receipt) {
  return {
    message_id: receipt.message_id,
    receipt_id: receipt.receipt_id,
    issuer: party(receipt.issuer),
    outcome: receipt.outcome,
    payload_sha256: hex(receipt.payload_sha256),
    received_at: timestampText(receipt.received_at, 'receipt.received_at'),
    errors: (receipt.errors ?? []).map((e) => ({ code: e.code, message: e.message, field_path: e.field_path ?? '' })),
  };
}

/**
 * An inquiry answer's signed fields (guide 15). The answer is read as swgw reads it: an unset or unknown status,
 * an answerer or asker without value, a question without subject, an unknown action or a time that is missing or
 * not whole microseconds make it unreadable (INQUIRY_ANSWER_INVALID, field path `answer`, or `answer.answerer` for
 * a missing answerer or asker, as swgw gives them; the field named in the message); ACTION_UNSPECIFIED in the history is read as ACTION_ISSUE, as in envelopes (6.2).
 */
export function answerFields(answer) {
  const unreadable = (field, message) => new PartnerError('INQUIRY_ANSWER_INVALID', `unreadable answer: ${field}: ${message}`,
    field === 'answer.answerer' ? field : 'answer');
  const status = answer.status;
  if (!/^CERTIFICATE_STATUS_(VALID|REPLACED|WITHDRAWN|UNKNOWN)$/.test(status)) {
    throw unreadable('answer.status', `status ${status} is not known`);
  }
  if (!answer.answerer?.value || !answer.asker?.value) throw unreadable('answer.answerer', 'answerer and asker are required');
  const time = (timestamp, field) => {
    try {
      return timestampText(timestamp, field);
    } catch (error) {
      throw unreadable(field, error.message);
    }
  };
  const action = (value, field) => {
    if (!value || value === 'ACTION_UNSPECIFIED') return 'ACTION_ISSUE';
    if (!['ACTION_ISSUE', 'ACTION_REPLACE', 'ACTION_WITHDRAW'].includes(value)) throw unreadable(field, `action ${value} is not known`);
    return value;
  };
  return {
    inquiry_id: answer.inquiry_id,
    answerer: party(answer.answerer),
    asker: party(answer.asker),
    query: queryFields(answer.inquiry, 'answer.inquiry'),
    status,
    certificate: key(answer.certificate),
    current: key(answer.current),
    history: (answer.history ?? []).map((v, i) => ({
      version: Number(v.version ?? 0),
      action: action(v.action, `answer.history[${i}].action`),
      payload_sha256: hex(v.payload_sha256),
      accepted_at: time(v.accepted_at, `answer.history[${i}].accepted_at`),
    })),
    answered_at: time(answer.answered_at, 'answer.answered_at'),
  };
}

/**
 * The `query` member of an answer's signed fields for a CertificateInquiry (decoded by protobufjs with
 * `oneofs: true`): exactly one subject, a key with issuer and number or a 32-byte digest. Throws
 * INQUIRY_ANSWER_INVALID (field path `answer`) for a question that names neither.
 */
export function queryFields(inquiry, fieldPath) {
  const unreadable = (message) => new PartnerError('INQUIRY_ANSWER_INVALID', `unreadable answer: ${fieldPath}: ${message}`, 'answer');
  const id = [...(inquiry?.inquiry_id ?? '')].length;
  if (id < 1 || id > 128) throw unreadable('inquiry_id must be 1 to 128 characters');
  if (inquiry?.subject === 'business_key') {
    const k = inquiry.business_key;
    if (!k?.issuer || !k?.number) throw unreadable('the business key needs issuer and number');
    return { business_key: key(k), document_sha256: '' };
  }
  if (inquiry?.subject === 'document_sha256') {
    if (inquiry.document_sha256?.length !== 32) throw unreadable('document_sha256 must be 32 bytes');
    return { business_key: null, document_sha256: hex(inquiry.document_sha256) };
  }
  throw unreadable('the question names neither business_key nor document_sha256');
}

export function canonicalBytes(fields) {
  return Buffer.from(canonicalize(fields), 'utf8');
}

function pemCertificates(text) {
  return (String(text).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((pem) => new X509Certificate(pem));
}

/** The JWS algorithm a key signs with: P-256 ES256, P-384 ES384, RSA of 2048 bits or more PS256; else null. */
export function algorithmOf(key) {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'secp384r1') return 'ES384';
  if (key.asymmetricKeyType === 'rsa' && details.modulusLength >= 2048) return 'PS256';
  return null;
}

/** A signing identity: private key, the certificate and its chain (the self-signed root left out of x5c). */
export function loadIdentity(keyPem, certificatePem, chainPem = '') {
  const privateKey = createPrivateKey(keyPem);
  const [leaf] = pemCertificates(certificatePem);
  const chain = pemCertificates(chainPem).filter((c) => c.subject !== c.issuer || !c.checkIssued(c));
  const alg = algorithmOf(privateKey);
  if (!alg) throw new Error(`unsupported signing key ${privateKey.asymmetricKeyType}`);
  return { privateKey, leaf, chain, alg };
}

/** Sign fields as a compact JWS of the given typ; returns the protobuf Signature object. */
export async function signFields(identity, fields, typ) {
  const x5c = [identity.leaf, ...identity.chain].map((c) => c.raw.toString('base64'));
  const jws = await new CompactSign(canonicalBytes(fields))
    .setProtectedHeader({ alg: identity.alg, typ, x5c })
    .sign(identity.privateKey);
  return { format: SIGNATURE_FORMAT, jws };
}

/** Validate x5c from the leaf to `anchors` (CA certificates) at `at`; returns the leaf. Never trusts x5c alone. */
export function validatePath(x5c, anchors, at) {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 8) throw new Error('x5c must hold 1 to 8 certificates');
  const chain = x5c.map((b64) => {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('x5c entry is not base64');
    return new X509Certificate(Buffer.from(b64, 'base64'));
  });
  for (const anchor of anchors) {
    const last = chain[chain.length - 1];
    const path = last.fingerprint256 === anchor.fingerprint256 ? chain : [...chain, anchor];
    let ok = true;
    for (let i = 0; i < path.length - 1 && ok; i += 1) {
      const [subject, issuer] = [path[i], path[i + 1]];
      ok = subject.checkIssued(issuer) && subject.verify(issuer.publicKey) && issuer.ca;
    }
    if (!ok) continue;
    // Guide 3.2: notBefore may be up to 5 minutes ahead of our clock.
    const skewed = new Date(at.getTime() + 5 * 60 * 1000);
    const outside = path.find((c) => skewed < new Date(c.validFrom) || at > new Date(c.validTo));
    if (outside) {
      const error = new Error(`${outside.subject.replace(/\n/g, ', ')} is not valid at ${at.toISOString()}`);
      error.expired = true;
      throw error;
    }
    return chain[0];
  }
  throw new Error(`x5c does not chain to a trusted CA (signer ${chain[0].subject.replace(/\n/g, ', ')})`);
}

/**
 * Verify a Signature of an envelope, receipt or inquiry answer (by `fieldPath`: `envelope.`, `receipt.`,
 * `answer.`): format, header, path to the anchors, the JWS with the validated leaf's key, then the payload against
 * the fields rebuilt from the message. Throws PartnerError.
 */
export async function verifySignature(signature, typ, fields, anchors, at, fieldPath) {
  // The refusal names the failing check's code in its message (guide 6.4), e.g. "CERTIFICATE_UNTRUSTED: ...".
  // What is signed decides the code: an envelope's, a receipt's (guide 9) or an inquiry answer's (guide 15).
  const kind = fieldPath.split('.')[0];
  const code = { receipt: 'RECEIPT_INVALID', answer: 'INQUIRY_ANSWER_INVALID' }[kind] ?? 'ENVELOPE_SIGNATURE_INVALID';
  const invalid = (check, message) => new PartnerError(code, `${check}: ${message}`, fieldPath);
  if (!signature) throw new PartnerError(code, 'no signature', fieldPath);
  if (signature.format !== SIGNATURE_FORMAT) {
    const message = `signature format ${JSON.stringify(signature.format)} is not ${SIGNATURE_FORMAT}`;
    // An envelope's is refused with its own code (guide 6.1); a receipt's is an invalid receipt naming that code
    // at the format; an answer's an invalid answer at its signature, as for every refused check (guide 15).
    if (kind === 'answer') throw invalid('SIGNATURE_FORMAT_UNSUPPORTED', message);
    throw kind === 'receipt' ? new PartnerError(code, `SIGNATURE_FORMAT_UNSUPPORTED: ${message}`, `${fieldPath}.format`)
      : new PartnerError('SIGNATURE_FORMAT_UNSUPPORTED', message, `${fieldPath}.format`);
  }
  if (typeof signature.jws !== 'string' || signature.jws.length > MAX_JWS_LENGTH) {
    throw invalid('SIGNATURE_INVALID', 'the JWS is missing or longer than 256 KiB');
  }
  let header;
  try {
    header = decodeProtectedHeader(signature.jws);
  } catch (error) {
    throw invalid('SIGNATURE_INVALID', `JWS header unreadable: ${error.message}`);
  }
  for (const name of Object.keys(header)) {
    if (REFUSED.has(name) || !REGISTERED.has(name)) throw invalid('SIGNATURE_INVALID', `JWS header parameter ${name} refused`);
  }
  if (!ALGORITHMS.includes(header.alg)) throw invalid('SIGNATURE_ALGORITHM_FORBIDDEN', `algorithm ${header.alg} not accepted`);
  if (header.typ !== typ) throw invalid('SIGNATURE_INVALID', `typ ${header.typ} is not ${typ}`);
  let leaf;
  try {
    leaf = validatePath(header.x5c, anchors, at);
  } catch (error) {
    throw invalid(error.expired ? 'CERTIFICATE_EXPIRED' : 'CERTIFICATE_UNTRUSTED', error.message);
  }
  const keyAlg = algorithmOf(leaf.publicKey);
  if (keyAlg !== header.alg) throw invalid('SIGNATURE_ALGORITHM_FORBIDDEN', `alg ${header.alg} does not fit the signer's key (${keyAlg ?? 'refused'})`);
  let payload;
  try {
    ({ payload } = await compactVerify(signature.jws, leaf.publicKey, { algorithms: ALGORITHMS }));
  } catch (error) {
    throw invalid('SIGNATURE_INVALID', `JWS does not verify: ${error.code ?? error.name}`);
  }
  const expected = canonicalBytes(fields);
  if (!Buffer.from(payload).equals(expected)) {
    let differing = 'the payload is not canonical JSON of the fields';
    try {
      const signed = JSON.parse(Buffer.from(payload).toString('utf8'));
      const names = [...new Set([...Object.keys(fields), ...Object.keys(signed)])];
      const members = names.filter((k) => canonicalize(fields[k]) !== canonicalize(signed[k]));
      if (members.length) differing = members.join(', ');
    } catch {
      // an unreadable payload: the generic message stands
    }
    throw invalid('SIGNATURE_INVALID', `the signed fields differ from the message's: ${differing}`);
  }
  return { leaf, alg: header.alg };
}

export { pemCertificates };
