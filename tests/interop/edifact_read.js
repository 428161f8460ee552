// Reads a UN/EDIFACT interchange with the independent node-edifact parser (npm "edifact") and prints its segments
// as JSON: [{"name": "UNB", "elements": [["UNOC", "4"], ...]}, ...].
//
// Usage: node edifact_read.js FILE LEVEL
//   LEVEL is the node-edifact character level to enforce (UNOA, UNOB, UNOC, UNOY): the parser refuses any
//   character outside it. The file is read as latin-1 for UNOA..UNOC and as UTF-8 for UNOY.
// node-edifact only recognises a version 3 UNA (a space in the reserved position), so the UNA is read here and
// the parser is configured with its delimiters instead; everything after it goes to node-edifact unchanged.
'use strict'

const fs = require('fs');
const Parser = require('edifact/parser.js');

const [file, level] = process.argv.slice(2);
let text = fs.readFileSync(file, level === 'UNOY' ? 'utf8' : 'latin1');
const parser = new Parser();
parser.encoding(level);
if (text.startsWith('UNA')) {
  parser.configure({
    componentDataSeparator: text.charCodeAt(3),
    dataElementSeparator: text.charCodeAt(4),
    decimalMark: text.charCodeAt(5),
    releaseCharacter: text.charCodeAt(6),
    segmentTerminator: text.charCodeAt(8),
  });
  text = text.slice(9);
}
const result = [];
let elements, components;
parser.on('opensegment', (name) => { elements = []; result.push({ name, elements }); });
parser.on('element', () => { components = []; elements.push(components); });
parser.on('component', (value) => { components.push(value); });
parser.write(text);
parser.end();
process.stdout.write(JSON.stringify(result));
