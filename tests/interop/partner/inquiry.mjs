// Verification inquiries (partner guide section 15) from the asking side: InquireCertificate to the window that
// issued a certificate, and the check of its signed answer (InquiryAnswer), which the test vectors
// (tests/vectors/partner, `answer-*`) also run through (vectors.mjs).

import { randomUUID } from 'node:crypto';

import canonicalize from 'canonicalize';

import { ANSWER_TYP, PartnerError, answerFields, queryFields, timestampDate, verifySignature } from './signing.mjs';
import { errorDetailOf, partnerClient, statusName } from './wire.mjs';

/**
 * The asker's check of `answer` (guide 15, "Verifying an answer"): the answer decodes; its JWS verifies (steps 1
 * to 4 of 6.4 with typ swgw-inquiry-answer+jws) against `anchors`, the answering window's CA certificates only,
 * and signs exactly the fields rebuilt from the answer as received; then it answers `question` (the
 * CertificateInquiry sent, as protobufjs decodes one), from `answerer`, to `asker` (party values). Throws
 * PartnerError INQUIRY_ANSWER_INVALID with `answer.signature` (the refusing check's code first in the message)
 * or the first field that differs. Returns the signer's certificate and the algorithm.
 */
export async function checkAnswer(answer, question, answerer, asker, anchors, at) {
  if (!answer) throw new PartnerError('INQUIRY_ANSWER_INVALID', 'unreadable answer: the response carries no answer', 'answer');
  const fields = answerFields(answer);
  const { leaf, alg } = await verifySignature(answer.signature, ANSWER_TYP, fields, anchors, at, 'answer.signature');
  // The question is compared as the signed answer repeats it: its id and its subject (issuer, number, version or
  // the document digest).
  const asked = { inquiry_id: question.inquiry_id, query: queryFields(question, 'inquiry') };
  const repeated = { inquiry_id: answer.inquiry.inquiry_id, query: fields.query };
  const differing = [
    ['inquiry_id', answer.inquiry_id === question.inquiry_id],
    ['inquiry', canonicalize(asked) === canonicalize(repeated)],
    ['answerer', answer.answerer.value === answerer],
    ['asker', answer.asker.value === asker],
  ].filter(([, same]) => !same).map(([name]) => name);
  if (differing.length) {
    throw new PartnerError('INQUIRY_ANSWER_INVALID', `the answer does not answer our question: ${differing.join(', ')} differ`,
      `answer.${differing[0]}`);
  }
  return { leaf, alg };
}

/** The question of the command line: `--business-key ISSUER/NUMBER[/VERSION]` or `--digest HEX`, an id chosen
 * here unless `--inquiry-id` gives one. */
function questionOf(options) {
  const question = { inquiry_id: options['inquiry-id'] ?? randomUUID() };
  if (Boolean(options['business-key']) === Boolean(options.digest)) {
    throw new Error('inquire needs --business-key ISSUER/NUMBER[/VERSION] or --digest HEX');
  }
  if (options['business-key']) {
    const [issuer, number, version = '0'] = options['business-key'].split('/');
    if (!/^\d+$/.test(version)) throw new Error(`--business-key: version ${version} is not a number`);
    return { ...question, subject: 'business_key', business_key: { issuer, number: number ?? '', version: Number(version) } };
  }
  if (!/^([0-9a-fA-F]{2})*$/.test(options.digest)) throw new Error('--digest: not hexadecimal');
  // The digest is sent as given (its length is the answering window's to check: INQUIRY_INVALID).
  return { ...question, subject: 'document_sha256', document_sha256: Buffer.from(options.digest, 'hex') };
}

function keyText(key) {
  return key ? `${key.issuer}/${key.number}/${key.version}` : null;
}

/**
 * InquireCertificate (guide 15): ask `options.partner` about a certificate it issued to us, and check its answer
 * against that partner's CA. Returns what a caller prints: the answer, whether it verified and why not, or the
 * gRPC error with its ErrorDetail.
 */
export async function inquire(config, options) {
  const partner = config.partners.find((p) => p.party === options.partner);
  if (!partner) throw new Error(`no partner ${options.partner} in the configuration`);
  const question = questionOf(options);
  const client = partnerClient(config, partner);
  try {
    const { error, value } = await new Promise((done) => {
      client.InquireCertificate({ inquiry: question }, { deadline: Date.now() + 30_000 }, (e, v) => done({ error: e, value: v }));
    });
    const result = { inquiry_id: question.inquiry_id };
    if (error) {
      const detail = errorDetailOf(error);
      return { ...result, grpc: statusName(error.code), grpc_message: error.details,
        error: detail ? { code: detail.code, message: detail.message, field_path: detail.field_path } : undefined };
    }
    const { answer } = value; // InquireCertificateResponse
    Object.assign(result, {
      grpc: 'OK',
      status: answer?.status,
      certificate: keyText(answer?.certificate),
      current: keyText(answer?.current),
      history: (answer?.history ?? []).map((v) => ({
        version: v.version, action: v.action, payload_sha256: Buffer.from(v.payload_sha256 ?? []).toString('hex'),
        accepted_at: v.accepted_at ? timestampDate(v.accepted_at).toISOString() : null,
      })),
    });
    try {
      const { leaf, alg } = await checkAnswer(answer, question, partner.party, config.party, partner.anchors, new Date());
      Object.assign(result, { answer_verified: true, signer: leaf.subject.replace(/\n/g, ', '), alg });
    } catch (failure) {
      if (!(failure instanceof PartnerError)) throw failure;
      Object.assign(result, { answer_verified: false,
        answer_error: { code: failure.code, message: failure.message, field_path: failure.fieldPath } });
    }
    return result;
  } finally {
    client.close();
  }
}
