// Bundles the browser code of the desk (desk/frontend/src) into the files the desk serves
// (desk/static): `node desk/frontend/build.mjs` (what `make frontend` runs), or with
// `--outdir DIR` into DIR instead (the test that the committed bundles match their sources).
// Unminified on purpose: the bundles are committed and reviewed, and gzip makes up the difference.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const STATIC = resolve(HERE, '..', 'static');

// Output path (relative to the output folder) → source entry (relative to this folder).
const BUNDLES = {
  'widget.js': 'src/widget/main.js',
  'console/console.js': 'src/console/console.js',
  'console/knowledge.js': 'src/console/knowledge.js',
  'console/analytics.js': 'src/console/analytics.js',
  'console/demands.js': 'src/console/demands.js',
};
// Stylesheets copied as they are (the widget's are bundled into widget.js as text).
const STYLES = { 'console/cards.css': 'src/shared/cards.css' };

function banner(source) {
  return `/* Built by esbuild from desk/frontend/${source}: edit the sources, then run \`make frontend\`. */`;
}

function outdir() {
  const at = process.argv.indexOf('--outdir');
  return at >= 0 ? resolve(process.argv[at + 1]) : STATIC;
}

async function main() {
  const out = outdir();
  for (const [target, source] of Object.entries(BUNDLES)) {
    await esbuild.build({
      absWorkingDir: HERE,          // the paths esbuild writes into comments do not depend on the caller
      entryPoints: [source],
      outfile: join(out, target),
      bundle: true,
      format: 'iife',               // one classic <script>: embedding pages keep their one tag
      target: 'es2019',
      charset: 'utf8',              // Chinese text stays readable in the bundle
      loader: { '.css': 'text' },   // widget.css and cards.css arrive as strings
      banner: { js: banner(source) },
      legalComments: 'inline',
      logLevel: 'warning',
    });
  }
  for (const [target, source] of Object.entries(STYLES)) {
    const text = readFileSync(join(HERE, source), 'utf8');
    mkdirSync(dirname(join(out, target)), { recursive: true });
    writeFileSync(join(out, target), `${banner(source)}\n${text}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
