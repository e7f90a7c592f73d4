// Validate an AsyncAPI document with the official parser (@asyncapi/parser), references
// (docs/schema/*.json) resolved; print every diagnostic, exit 1 on an error.
//   node tools/contracts/check-asyncapi.mjs docs/asyncapi.yaml
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Parser, fromFile } from '@asyncapi/parser';

const file = resolve(process.argv[2] ?? 'docs/asyncapi.yaml');
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, file).parse({
  source: pathToFileURL(file).href,
});
const names = ['error', 'warning', 'information', 'hint'];
for (const d of diagnostics) {
  console.log(`${names[d.severity]} ${d.code} ${d.path.join('.')}: ${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === 0).length;
if (!document || errors) {
  console.log(`asyncapi: ${errors} error(s)`);
  process.exit(1);
}
const messages = document.allMessages().all().map((m) => m.name());
console.log(`asyncapi: valid, ${diagnostics.length} diagnostic(s), messages ${messages.join(' ')}`);
