// Document signatures with xmlsec1 (the CLI), per the README section "Document signatures": the UBL 2.4
// extension placement for certificates of origin, detached signatures (eFTI, ePhyto) checked with --url-map.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS = {
  ext: 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2',
  sig: 'urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2',
  sac: 'urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2',
  sbc: 'urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
};
const SIGNATURE_ID = 'urn:oasis:names:specification:ubl:signature:1';
// What this window signs with (README "Document signatures": ECDSA-SHA256 or RSA-SHA256, SHA-256 digests).
const METHODS = {
  ES256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ES384: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  PS256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
};
// What it accepts (partner guide 7): ECDSA or RSA PKCS#1 v1.5 with SHA-2, SHA-2 digests, c14n without comments.
const MORE = 'http://www.w3.org/2001/04/xmldsig-more#';
const ALLOWED_SIGNATURE_METHODS = new Set(['ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha512', 'rsa-sha256', 'rsa-sha384', 'rsa-sha512']
  .map((name) => MORE + name));
const ALLOWED_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', `${MORE}sha384`, 'http://www.w3.org/2001/04/xmlenc#sha512']);
const ALLOWED_C14N = new Set(['http://www.w3.org/2001/10/xml-exc-c14n#', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'http://www.w3.org/2006/12/xml-c14n11']);
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'sg-window-'));
}

function rootName(xml) {
  const match = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/.exec(xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, ''));
  if (!match) throw new Error('no root element');
  return match[2];
}

/** The business key a UBL certificate of origin carries: issuer party id, document id and version. */
export function ublBusinessKey(xml) {
  const text = xml.toString('utf8');
  const issuer = /<cac:IssuerParty>\s*<cac:PartyIdentification>\s*<cbc:ID[^>]*>([^<]*)<\/cbc:ID>/.exec(text);
  const rootStart = /<cbc:UBLVersionID>/.exec(text)?.index ?? 0;
  const number = /<cbc:ID[^>]*>([^<]*)<\/cbc:ID>/.exec(text.slice(rootStart));
  const version = /<cbc:VersionID>([^<]*)<\/cbc:VersionID>/.exec(text);
  if (!issuer || !number) throw new Error('the document names no issuer party id or no document id');
  return { issuer: issuer[1], number: number[1], version: version ? Number(version[1]) : 1 };
}

/**
 * Add the UBL 2.4 signature carriers to an unsigned UBL document: ext:UBLExtensions as the root's first child
 * holding the ds:Signature template, and the matching cac:Signature after cbc:VersionID.
 */
export function ublSignatureTemplate(xml, alg) {
  let text = xml.toString('utf8');
  const root = rootName(text);
  const referenced = `urn:oasis:names:specification:ubl:signature:${root}`;
  const open = new RegExp(`<(?:[\\w.-]+:)?${root}(\\s[^>]*)?>`).exec(text);
  if (!open) throw new Error('root start tag not found');
  if (/UBLExtensions/.test(text)) throw new Error('the document already has UBL extensions');
  const extension = `<ext:UBLExtensions xmlns:ext="${NS.ext}" xmlns:sig="${NS.sig}" xmlns:sac="${NS.sac}" xmlns:sbc="${NS.sbc}">`
    + '<ext:UBLExtension><ext:ExtensionURI>urn:oasis:names:specification:ubl:dsig:enveloped</ext:ExtensionURI>'
    + '<ext:ExtensionContent><sig:UBLDocumentSignatures><sac:SignatureInformation>'
    + `<cbc:ID xmlns:cbc="${NS.cbc}">${SIGNATURE_ID}</cbc:ID><sbc:ReferencedSignatureID>${referenced}</sbc:ReferencedSignatureID>`
    + `<ds:Signature xmlns:ds="${NS.ds}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${EXC_C14N}"/>`
    + `<ds:SignatureMethod Algorithm="${METHODS[alg]}"/><ds:Reference URI=""><ds:Transforms>`
    + `<ds:Transform Algorithm="${ENVELOPED}"/></ds:Transforms><ds:DigestMethod Algorithm="${SHA256}"/>`
    + '<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>'
    + '</ds:Signature></sac:SignatureInformation></sig:UBLDocumentSignatures></ext:ExtensionContent>'
    + '</ext:UBLExtension></ext:UBLExtensions>';
  const at = open.index + open[0].length;
  text = text.slice(0, at) + extension + text.slice(at);
  const version = /<\/cbc:VersionID>/.exec(text);
  if (!version) throw new Error('no cbc:VersionID to place cac:Signature after');
  const end = version.index + version[0].length;
  const cacSignature = `<cac:Signature><cbc:ID>${referenced}</cbc:ID></cac:Signature>`;
  return Buffer.from(text.slice(0, end) + cacSignature + text.slice(end), 'utf8');
}

/** Sign a template with xmlsec1: the key, then the signer certificate and its chain (written to X509Data). */
export function xmlsecSign(template, keyFile, certificateFiles) {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'template.xml'), template);
    execFileSync('xmlsec1', ['--sign', '--privkey-pem', [keyFile, ...certificateFiles].join(','),
      '--output', join(dir, 'signed.xml'), join(dir, 'template.xml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    return execFileSync('cat', [join(dir, 'signed.xml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function xpath(file, expression) {
  const result = spawnSync('xmllint', ['--nonet', '--xpath', expression, file], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

const local = (name, ns) => `*[local-name()='${name}' and namespace-uri()='${ns}']`;

/**
 * Check an enveloped UBL signature: the agreed shape first (structural, SIGNATURE_REFERENCE_INVALID), then
 * allowed algorithms, then xmlsec1 with only the sender's CA. Returns {ok, code, message, fieldPath}.
 */
export function verifyUbl(payload, caFiles) {
  const text = payload.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY|XInclude/i.test(text)) return { ok: false, code: 'XML_HOSTILE', message: 'DTDs, entities and XInclude are refused', fieldPath: 'payload' };
  const dir = tempDir();
  try {
    const file = join(dir, 'document.xml');
    writeFileSync(file, payload);
    if (spawnSync('xmllint', ['--nonet', '--noout', file]).status !== 0) {
      return { ok: false, code: 'XML_MALFORMED', message: 'the payload is not well-formed XML', fieldPath: 'payload' };
    }
    const all = Number(xpath(file, `count(//${local('Signature', NS.ds)})`) || 0);
    if (all === 0) return { ok: false, code: 'SIGNATURE_MISSING', message: 'no ds:Signature', fieldPath: 'payload' };
    const carrier = `/*/${local('UBLExtensions', NS.ext)}[not(preceding-sibling::*)]/${local('UBLExtension', NS.ext)}`
      + `/${local('ExtensionContent', NS.ext)}/${local('UBLDocumentSignatures', NS.sig)}/${local('SignatureInformation', NS.sac)}`;
    const placed = `${carrier}/${local('Signature', NS.ds)}`;
    const root = xpath(file, 'local-name(/*)');
    const referenced = xpath(file, `string(${carrier}/${local('ReferencedSignatureID', NS.sbc)})`);
    const checks = [
      [all === 1, 'exactly one ds:Signature'],
      [Number(xpath(file, `count(${placed})`) || 0) === 1, 'the ds:Signature is not in the UBL extension placement'],
      [Number(xpath(file, `count(//${local('SignatureInformation', NS.sac)})`) || 0) === 1, 'exactly one sac:SignatureInformation'],
      [referenced === `urn:oasis:names:specification:ubl:signature:${root}`, 'sbc:ReferencedSignatureID names no cac:Signature of the root'],
      [Number(xpath(file, `count(/*/${local('Signature', NS.cac)}[${local('ID', NS.cbc)}='${referenced}'])`) || 0) === 1,
        'exactly one cac:Signature with the referenced id'],
      [Number(xpath(file, `count(${placed}//${local('Reference', NS.ds)})`) || 0) === 1, 'exactly one Reference'],
      [xpath(file, `string(${placed}//${local('Reference', NS.ds)}/@URI)`) === ''
        && Number(xpath(file, `count(${placed}//${local('Reference', NS.ds)}[@URI=''])`) || 0) === 1, 'the Reference must be URI=""'],
      [Number(xpath(file, `count(${placed}//${local('Transform', NS.ds)})`) || 0) >= 1
        && xpath(file, `string(${placed}//${local('Transform', NS.ds)}[1]/@Algorithm)`) === ENVELOPED, 'the enveloped-signature transform'],
      [Number(xpath(file, `count(${placed}//${local('Object', NS.ds)} | ${placed}//${local('Manifest', NS.ds)})`) || 0) === 0, 'no Object or Manifest'],
    ];
    for (const [ok, message] of checks) {
      if (!ok) return { ok: false, code: 'SIGNATURE_REFERENCE_INVALID', message, fieldPath: 'payload' };
    }
    const method = xpath(file, `string(${placed}//${local('SignatureMethod', NS.ds)}/@Algorithm)`);
    const digest = xpath(file, `string(${placed}//${local('DigestMethod', NS.ds)}/@Algorithm)`);
    const c14n = xpath(file, `string(${placed}//${local('CanonicalizationMethod', NS.ds)}/@Algorithm)`);
    const transforms = xpath(file, `count(${placed}//${local('Transform', NS.ds)})`);
    const second = xpath(file, `string(${placed}//${local('Transform', NS.ds)}[2]/@Algorithm)`);
    if (!ALLOWED_SIGNATURE_METHODS.has(method) || !ALLOWED_DIGESTS.has(digest) || !ALLOWED_C14N.has(c14n)
        || Number(transforms) > 2 || (Number(transforms) === 2 && !ALLOWED_C14N.has(second))) {
      return { ok: false, code: 'SIGNATURE_ALGORITHM_FORBIDDEN', message: `${method} / ${digest} / ${c14n} ${second}`.trim(), fieldPath: 'payload' };
    }
    return xmlsecVerify(dir, [file], caFiles, ['--enabled-reference-uris', 'empty']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Check a detached signature (attachment document-signature.xml) over the payload named document.xml. */
export function verifyDetached(payload, signatureXml, caFiles) {
  if (!signatureXml) return { ok: false, code: 'SIGNATURE_MISSING', message: 'no document-signature.xml', fieldPath: 'envelope.attachments' };
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'payload.xml'), payload);
    writeFileSync(join(dir, 'document-signature.xml'), signatureXml);
    return xmlsecVerify(dir, [join(dir, 'document-signature.xml')], caFiles,
      ['--url-map:document.xml', join(dir, 'payload.xml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function xmlsecVerify(dir, files, caFiles, extra) {
  const args = ['--verify', '--enabled-key-data', 'x509', ...caFiles.flatMap((f) => ['--trusted-pem', f]), ...extra];
  // --url-map must precede the file; the file is last.
  const result = spawnSync('xmlsec1', [...args, ...files], { encoding: 'utf8', cwd: dir });
  if (result.status === 0) return { ok: true, code: '', message: 'xmlsec1: OK', fieldPath: '' };
  const reason = (result.stderr || '').split('\n').filter((l) => /error|fail/i.test(l)).slice(0, 2).join(' ').slice(0, 200);
  const untrusted = /certificate|x509/i.test(result.stderr || '');
  return { ok: false, code: untrusted ? 'CERTIFICATE_UNTRUSTED' : 'SIGNATURE_INVALID', message: `xmlsec1: ${reason}`, fieldPath: 'payload' };
}

/**
 * The window's own content checks of a signed document (guide 8, step 13, as far as this window has rules): the
 * official schema with xmllint when one is configured (SCHEMA_INVALID), then the elements its rules require
 * under the root (RECORD_INVALID), each named by its prefixed name (e.g. "cac:ExporterParty").
 */
export function checkContent(payload, schema, required) {
  const dir = tempDir();
  try {
    const file = join(dir, 'document.xml');
    writeFileSync(file, payload);
    if (schema) {
      const result = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { encoding: 'utf8' });
      if (result.status !== 0) {
        const first = (result.stderr || '').split('\n').find((l) => l.includes('error')) ?? 'not valid';
        return { ok: false, code: 'SCHEMA_INVALID', message: first.replace(`${file}:`, 'line ').slice(0, 200), fieldPath: 'payload' };
      }
    }
    const root = xpath(file, 'local-name(/*)');
    for (const name of required ?? []) {
      const [prefix, localName] = name.split(':');
      if (Number(xpath(file, `count(/*/${local(localName, NS[prefix])})`) || 0) === 0) {
        return { ok: false, code: 'RECORD_INVALID', message: `the document has no ${name}`, fieldPath: `/${root}/${name}` };
      }
    }
    return { ok: true, code: '', message: 'content checked', fieldPath: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
