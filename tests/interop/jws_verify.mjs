// Verifies an swgw envelope or receipt signature the way a partner who never runs swgw would: with the `jose`
// package, node:crypto for the certificate chain and `canonicalize` (RFC 8785), given only the signer's CA.
//
// Usage: node jws_verify.mjs <jws-file> <ca-pem-file> <fields-json-file> <typ> <at-iso8601>
//   jws-file          the compact JWS (Signature.jws of the envelope or receipt)
//   ca-pem-file       the partner's CA certificate (PEM), the only trust anchor
//   fields-json-file  the signed fields rebuilt from the message (any JSON layout; canonicalized here)
//   typ               "swgw-envelope+jws" or "swgw-receipt+jws"
//   at                the verification time
// Prints a JSON object {alg, subject, chain} and exits 0, or prints the reason to stderr and exits 1.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import { compactVerify, decodeProtectedHeader } from 'jose';

const ALGORITHMS = ['ES256', 'ES384', 'PS256'];

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function checkValidity(certificate, at, label) {
  if (at < new Date(certificate.validFrom) || at > new Date(certificate.validTo)) {
    fail(`${label} is not valid at ${at.toISOString()}`);
  }
}

async function main() {
  const [jwsFile, caFile, fieldsFile, typ, atText] = process.argv.slice(2);
  if (!atText) fail('usage: node jws_verify.mjs <jws-file> <ca-pem-file> <fields-json-file> <typ> <at-iso8601>');
  const jws = readFileSync(jwsFile, 'utf8').trim();
  const ca = new X509Certificate(readFileSync(caFile));
  const fields = JSON.parse(readFileSync(fieldsFile, 'utf8'));
  const at = new Date(atText);

  const header = decodeProtectedHeader(jws);
  if (!ALGORITHMS.includes(header.alg)) fail(`algorithm ${header.alg} not accepted`);
  if (header.typ !== typ) fail(`typ ${header.typ} is not ${typ}`);
  if (!Array.isArray(header.x5c) || header.x5c.length === 0) fail('no x5c chain');

  // x5c: standard base64 DER, the signer first. Each certificate must be issued and signed by the next one, the
  // last by the partner's CA (or be that CA); every issuer must be a CA; all valid at `at`.
  const chain = header.x5c.map((b64) => new X509Certificate(Buffer.from(b64, 'base64')));
  const last = chain[chain.length - 1];
  const path = last.fingerprint256 === ca.fingerprint256 ? chain : [...chain, ca];
  for (let i = 0; i < path.length - 1; i += 1) {
    const [subject, issuer] = [path[i], path[i + 1]];
    if (!subject.checkIssued(issuer) || !subject.verify(issuer.publicKey)) {
      fail(`certificate ${i} (${subject.subject}) is not issued by ${issuer.subject}`);
    }
    if (!issuer.ca) fail(`${issuer.subject} is not a CA`);
  }
  path.forEach((certificate, i) => checkValidity(certificate, at, `certificate ${i}`));

  // The signature is checked with the key of the validated leaf, and only with the allowed algorithms.
  const { payload } = await compactVerify(jws, chain[0].publicKey, { algorithms: ALGORITHMS });
  const expected = Buffer.from(canonicalize(fields), 'utf8');
  if (!Buffer.from(payload).equals(expected)) {
    fail(`signed payload differs from the message's fields:\n${Buffer.from(payload)}\n${expected}`);
  }
  process.stdout.write(`${JSON.stringify({ alg: header.alg, subject: chain[0].subject, chain: path.length })}\n`);
}

main().catch((error) => fail(`${error.code ?? error.name}: ${error.message}`));
