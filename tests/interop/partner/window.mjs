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
//   node window.mjs deliver-stream --config cfg.json --partner CN [--resend-id ID ...] [--stream-document F ...]
//       DeliverStream (guide 2.1): the stored envelopes named, then new ones signed from the documents (a name
//       prefixed "tamper:" is altered after its signature), on one stream; prints every answer in order, each
//       receipt verified against the partner's CA.
//   node window.mjs deliver-large --config cfg.json --partner CN --document unsigned.xml --large-file F
//                    [--large-media-type T]
//       DeliverLarge (guide 2.2): the signed envelope names F by SHA-256 and size, and F follows in 1 MiB chunks.
//   node window.mjs inquire --config cfg.json --partner CN (--business-key ISSUER/NUMBER[/VERSION] | --digest HEX)
//                    [--inquiry-id ID]
//       InquireCertificate (guide 15): asks the partner that issued a certificate what became of it and verifies
//       the signed answer against the partner's CA (exit 0 when the answer verified or the call failed with an
//       ErrorDetail, 1 otherwise).
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

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { serve } from './receiver.mjs';
import { inquire } from './inquiry.mjs';
import { deliverDocument, deliverLarge, deliverStream } from './sender.mjs';
import { loadIdentity, pemCertificates } from './signing.mjs';

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

// --- command line ---------------------------------------------------------------------------------------------

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' }, partner: { type: 'string' }, document: { type: 'string' }, type: { type: 'string' },
      'message-id': { type: 'string' }, tamper: { type: 'boolean' }, resend: { type: 'boolean' },
      attempts: { type: 'string' }, 'stream-document': { type: 'string', multiple: true },
      'resend-id': { type: 'string', multiple: true }, 'large-file': { type: 'string' },
      'large-media-type': { type: 'string' }, 'business-key': { type: 'string' }, digest: { type: 'string' },
      'inquiry-id': { type: 'string' },
    },
  });
  if (!values.config || !['serve', 'deliver', 'deliver-stream', 'deliver-large', 'inquire'].includes(command)) {
    process.stderr.write('usage: window.mjs serve --config cfg.json | deliver --config cfg.json --partner P (--document F [--message-id ID] [--tamper] | --resend --message-id ID) [--attempts N] | inquire --config cfg.json --partner P (--business-key ISSUER/NUMBER[/VERSION] | --digest HEX) [--inquiry-id ID] (see the header of window.mjs for every command)\n');
    process.exit(2);
  }
  const config = loadConfig(values.config);
  if (command === 'serve') {
    serve(config);
    return;
  }
  if (command === 'inquire') {
    const result = await inquire(config, values);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(result.answer_verified || (result.grpc !== 'OK' && result.error) ? 0 : 1);
  }
  if (command === 'deliver-large') {
    const result = await deliverLarge(config, values);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(result.grpc === 'OK' || result.error ? 0 : 1);
  }
  if (command === 'deliver-stream') {
    const result = await deliverStream(config, values);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(result.grpc === 'OK' || result.error ? 0 : 1);
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
