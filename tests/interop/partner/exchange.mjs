// The receiving checks before the envelope signature (partner guide section 8, steps 3 and 5-10), and the
// sender's check of a receipt (guide 9), kept apart from the gRPC plumbing so that the test vectors
// (tests/vectors/partner) can be run through them (vectors.mjs).

import {
  PartnerError, RECEIPT_TYP, receiptFields, sha256, timestampDate, timestampText, verifySignature,
} from './signing.mjs';

const FUTURE_SKEW_SECONDS = 300;

const DOCUMENT_TYPES = ['DOCUMENT_TYPE_CERTIFICATE_OF_ORIGIN', 'DOCUMENT_TYPE_CARGO_MANIFEST', 'DOCUMENT_TYPE_SPS_CERTIFICATE'];
const ACTIONS = ['ACTION_UNSPECIFIED', 'ACTION_ISSUE', 'ACTION_REPLACE', 'ACTION_WITHDRAW'];

/** Guide 8, step 3: the envelope decodes into something that can be checked and signed. Returns the digests. */
export function decodeEnvelope(envelope) {
  if (!envelope) throw new PartnerError('ENVELOPE_INVALID', 'the request carries no envelope', 'envelope');
  const id = envelope.message_id ?? '';
  if (id.length < 1 || id.length > 64) throw new PartnerError('ENVELOPE_INVALID', 'message_id must be 1 to 64 characters', 'envelope.message_id');
  if (!envelope.created_at) throw new PartnerError('ENVELOPE_INVALID', 'created_at is missing', 'envelope.created_at');
  timestampText(envelope.created_at, 'envelope.created_at');
  if ((envelope.payload_sha256?.length ?? 0) !== 32) {
    throw new PartnerError('ENVELOPE_INVALID', 'payload_sha256 must be 32 bytes', 'envelope.payload_sha256');
  }
  const digests = { payload: sha256(envelope.payload).toString('hex'), attachments: [] };
  (envelope.attachments ?? []).forEach((a, i) => {
    const digest = sha256(a.content);
    if (!Buffer.from(a.sha256 ?? []).equals(digest)) {
      throw new PartnerError('PAYLOAD_DIGEST_MISMATCH', `attachment ${a.name} differs from its sha256`, `envelope.attachments[${i}].sha256`);
    }
    digests.attachments.push(digest.toString('hex'));
  });
  if (!envelope.business_key?.issuer || !envelope.business_key?.number) {
    throw new PartnerError('ENVELOPE_INVALID', 'business_key needs issuer and number', 'envelope.business_key');
  }
  if (!envelope.sender?.value) throw new PartnerError('ENVELOPE_INVALID', 'sender.value is missing', 'envelope.sender');
  if (!envelope.receiver?.value) throw new PartnerError('ENVELOPE_INVALID', 'receiver.value is missing', 'envelope.receiver');
  if (!DOCUMENT_TYPES.includes(envelope.document_type)) {
    throw new PartnerError('ENVELOPE_INVALID', `document_type ${envelope.document_type} is not known`, 'envelope.document_type');
  }
  if (!ACTIONS.includes(envelope.action)) throw new PartnerError('ENVELOPE_INVALID', `action ${envelope.action} is not known`, 'envelope.action');
  const refers = envelope.refers_to;
  if (refers && (!refers.issuer || !refers.number || !refers.version)) {
    throw new PartnerError('ENVELOPE_INVALID', 'refers_to needs issuer, number and version', 'envelope.refers_to');
  }
  return digests;
}

/** Guide 8, steps 5 to 10: routing, agreement, size, payload digest, freshness. Returns the agreed document. */
export function checkEnvelope(envelope, partner, ourParty, at) {
  if (envelope.sender.value !== partner.party) {
    throw new PartnerError('SENDER_MISMATCH', `sender ${envelope.sender.value} is not the authenticated partner ${partner.party}`, 'envelope.sender');
  }
  if (envelope.receiver.value !== ourParty) {
    throw new PartnerError('SENDER_MISMATCH', `receiver ${envelope.receiver.value} is not ${ourParty}`, 'envelope.receiver');
  }
  const agreed = partner.documents[envelope.document_type];
  // No field path: what swgw gives, and what the test vectors expect (tests/vectors/partner/cases.toml).
  if (!agreed) throw new PartnerError('DOCUMENT_TYPE_NOT_AGREED', `${envelope.document_type} is not agreed`, 'envelope.document_type');
  if (envelope.document_format !== agreed.format) {
    throw new PartnerError('FORMAT_NOT_AGREED', 'the declared format is not the agreed one', 'envelope.document_format');
  }
  if (['ACTION_REPLACE', 'ACTION_WITHDRAW'].includes(envelope.action) && !envelope.refers_to) {
    throw new PartnerError('ENVELOPE_INVALID', `${envelope.action} needs refers_to`, 'envelope.refers_to');
  }
  const size = (envelope.payload?.length ?? 0) + (envelope.attachments ?? []).reduce((n, a) => n + (a.content?.length ?? 0), 0);
  if (size > partner.maxBytes) throw new PartnerError('PAYLOAD_TOO_LARGE', `${size} bytes, over ${partner.maxBytes}`, 'envelope.payload');
  if (!Buffer.from(envelope.payload_sha256).equals(sha256(envelope.payload))) {
    throw new PartnerError('PAYLOAD_DIGEST_MISMATCH', 'payload differs from payload_sha256', 'envelope.payload_sha256');
  }
  const age = (at.getTime() - timestampDate(envelope.created_at).getTime()) / 1000;
  if (age > partner.maxAge || age < -FUTURE_SKEW_SECONDS) {
    throw new PartnerError('MESSAGE_STALE', `created ${Math.round(age)} s ago`, 'envelope.created_at');
  }
  return agreed;
}

/**
 * The sender's check of a receipt answering `envelope` (guide 9): signature against the receiver's CA, then the
 * receipt answers this envelope. Throws PartnerError RECEIPT_INVALID naming the field.
 */
export async function checkReceipt(receipt, envelope, anchors, at) {
  const { leaf, alg } = await verifySignature(receipt.signature, RECEIPT_TYP, receiptFields(receipt), anchors, at, 'receipt.signature');
  if (receipt.message_id !== envelope.message_id) {
    throw new PartnerError('RECEIPT_INVALID', 'the receipt answers another message', 'receipt.message_id');
  }
  if (receipt.issuer?.value !== envelope.receiver?.value) {
    throw new PartnerError('RECEIPT_INVALID', `the receipt is issued by ${receipt.issuer?.value}, not the receiver`, 'receipt.issuer');
  }
  if (!Buffer.from(receipt.payload_sha256 ?? []).equals(Buffer.from(envelope.payload_sha256 ?? []))) {
    throw new PartnerError('RECEIPT_INVALID', 'the receipt names another payload digest', 'receipt.payload_sha256');
  }
  return { leaf, alg };
}
