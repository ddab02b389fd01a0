#!/usr/bin/env node
// Bundles vat source into an endoZipBase64 bundle, as SwingSet's `sourceSpec` does, with the
// pinned @endo/bundle-source. A build-time tool only: the kernel never runs Node.
//   node js/bundle-vat.mjs ENTRY.js OUT.json               (OUT `-`: the bundle goes to stdout)
//   node js/bundle-vat.mjs --in-place ENTRY.js OUT.json   (ENTRY inside an installed package)
// Vat code imports @endo/far and friends. So that a vat folder needs no node_modules of its own,
// the entry's folder is staged in a temp dir beside a link to js/node_modules, with a fixed
// package.json (name and version appear in the bundle, so they must not vary: bundle IDs stay
// deterministic). Relative imports within the entry's folder work; imports above it do not.
import '@endo/init';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';
import bundleSource from '@endo/bundle-source';

const args = process.argv.slice(2);
const inPlace = args[0] === '--in-place';
const [entry, out] = inPlace ? args.slice(1) : args;
if (!entry || !out) {
  console.error('usage: node js/bundle-vat.mjs [--in-place] ENTRY.js OUT.json');
  process.exit(64);
}
const write = bundle => {
  if (out === '-') {
    // A pipe's writes may be asynchronous: nothing below calls process.exit(), so Node drains it.
    process.stdout.write(JSON.stringify(bundle));
    return;
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(bundle));
};
if (inPlace) {
  write(await bundleSource(path.resolve(entry), { format: 'endoZipBase64' }));
} else {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const srcDir = path.dirname(path.resolve(entry));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'swingset-vat-'));
  try {
    fs.cpSync(srcDir, stage, {
      recursive: true,
      filter: src => !/(^|\/)(node_modules|\.git)$/.test(src),
    });
    if (!fs.existsSync(path.join(stage, 'package.json'))) {
      fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify({
        name: 'swingset-vat', version: '0.0.0', type: 'module',
        dependencies: { '@endo/far': '*', '@agoric/vat-data': '*' },
      }));
    }
    fs.rmSync(path.join(stage, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(path.join(here, 'node_modules'), path.join(stage, 'node_modules'));
    write(await bundleSource(path.join(stage, path.basename(entry)), { format: 'endoZipBase64' }));
  } catch (e) {
    console.error(`bundle-vat: cannot bundle ${entry}: ${e.message}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
