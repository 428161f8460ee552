// Runs the partner test vectors (tests/vectors/partner, described in docs/partner-guide.md section 13) through
// the Node window's own checks: envelopes as the receiver checks them (guide 8, steps 3-11 and the duplicate
// rule), receipts as the sender checks them (guide 9), inquiry answers as the asker checks them (guide 15).
//
// Usage: node vectors.mjs <vectors-dir> <cases-json>
//   cases-json  cases.toml of the vectors folder converted to JSON (Node has no TOML parser of its own)
// Prints one JSON line per case: {"name", "outcome", "field_path", "cause"}; "outcome" is "valid", "replay" or the
// stable code the window reached.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { checkEnvelope, checkReceipt, decodeEnvelope } from './exchange.mjs';
import { checkAnswer } from './inquiry.mjs';
import { Envelope, InquiryAnswer, Receipt, decode } from './proto.mjs';
import { ENVELOPE_TYP, PartnerError, canonicalBytes, envelopeFields, pemCertificates, sha256, verifySignature } from './signing.mjs';

function outcomeOf(error) {
  if (!(error instanceof PartnerError)) return { outcome: `UNEXPECTED ${error.name}: ${error.message}`, field_path: '', cause: '' };
  const cause = /^([A-Z_]+): /.exec(error.message)?.[1] ?? '';
  return { outcome: error.code, field_path: error.fieldPath, cause };
}

async function main() {
  const [dir, casesFile] = process.argv.slice(2);
  const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
  const at = new Date(cases.verify_at);
  const anchors = (files) => files.flatMap((f) => pemCertificates(readFileSync(join(dir, f))));
  const agreement = cases.envelopes;
  const partner = {
    party: agreement.sender,
    anchors: anchors(agreement.trust_anchors),
    maxAge: agreement.max_message_age_seconds,
    maxBytes: agreement.max_payload_bytes,
    documents: { [agreement.document_type]: { format: agreement.document_format } },
  };
  const envelopeOf = (file) => decode(Envelope, readFileSync(join(dir, file)));
  // The duplicate rule compares every signed field, digests of the bytes received (guide 11.1).
  const content = (envelope, digests) => sha256(canonicalBytes(envelopeFields(envelope, digests))).toString('hex');
  const byName = Object.fromEntries(cases.case.map((c) => [c.name, c]));
  // The question every answer vector answers: HK asked CN about a certificate by its business key.
  const asked = cases.answers;
  const question = { inquiry_id: asked.inquiry_id, subject: 'business_key', business_key: asked.business_key };

  for (const vector of cases.case) {
    let result = { outcome: 'valid', field_path: '', cause: '' };
    try {
      if (vector.kind === 'receipt') {
        const receipt = decode(Receipt, readFileSync(join(dir, vector.file)));
        await checkReceipt(receipt, envelopeOf(cases.receipts.answers), anchors(cases.receipts.trust_anchors), at);
      } else if (vector.kind === 'answer') {
        const answer = decode(InquiryAnswer, readFileSync(join(dir, vector.file)));
        await checkAnswer(answer, question, asked.answerer, asked.asker, anchors(asked.trust_anchors), at);
      } else if (vector.kind === 'envelope') {
        const envelope = envelopeOf(vector.file);
        const digests = decodeEnvelope(envelope);
        if (vector.after) {
          // Delivered after `after`, which was stored: the duplicate check decides (guide 8 step 4).
          const first = envelopeOf(byName[vector.after].file);
          const same = content(first, decodeEnvelope(first)) === content(envelope, digests) && first.message_id === envelope.message_id;
          if (!same) throw new PartnerError('DUPLICATE_CONFLICT', 'a known message id with other content', 'envelope.message_id');
          result.outcome = 'replay';
        } else {
          checkEnvelope(envelope, partner, agreement.receiver, at);
          await verifySignature(envelope.signature, ENVELOPE_TYP, envelopeFields(envelope, digests), partner.anchors, at,
            'envelope.signature');
        }
      } else {
        // A kind of vector this runner was not taught: said so, never read as something else.
        throw new Error(`vector kind ${JSON.stringify(vector.kind)} is not known to vectors.mjs`);
      }
    } catch (error) {
      result = outcomeOf(error);
    }
    process.stdout.write(`${JSON.stringify({ name: vector.name, ...result })}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`vectors.mjs: ${error.stack}\n`);
  process.exit(1);
});
