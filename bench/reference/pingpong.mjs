#!/usr/bin/env node
// Ping-pong on the real JS kernel (@agoric/swingset-vat 0.33.0, xsnap workers), the JS twin of
// build/bench/pingpong_bench: same config (bench/pingpong/config.json, vats in tests/vats/), SwingSet
// defaults, on-disk swing-store. Bootstrap, a 20-exchange warm-up rally, then RALLIES rallies of N
// round trips; each queues bootstrap.rally(N) and times controller.run() (commit not timed).
// Prints one JSON line per rally on stdout (same fields as pingpong_bench, what=pingpong-js).
//   node bench/reference/pingpong.mjs [N] [RALLIES]      (after bench/reference/setup.sh)
import '@endo/init/debug.js';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { createHash } from 'crypto';
import { fileURLToPath } from 'url';
import {
  buildKernelBundles,
  initializeSwingset,
  makeSwingsetController,
  loadSwingsetConfigFile,
} from '@agoric/swingset-vat';
import { initSwingStore } from '@agoric/swing-store';
import bundleSource from '@endo/bundle-source';

// stdout carries the result lines only; kernel and worker chatter goes to stderr
const writeOut = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);

const here = path.dirname(fileURLToPath(import.meta.url));
const n = Number(process.argv[2] || 500);
const rallies = Number(process.argv[3] || 2);
const configPath = path.join(here, '..', 'pingpong', 'config.json');

// kernel bundles: the cache js-host.mjs / setup.sh fill (keyed by package-lock.json)
async function provideKernelBundles() {
  const lock = fs.readFileSync(path.join(here, 'package-lock.json'));
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const file = path.join(here, '.cache', `kernel-bundles-${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    return buildKernelBundles();
  }
}

// bundle a sourceSpec vat the way js-host.mjs and js/bundle-vat.mjs do (staged beside node_modules)
async function bundleVat(entry) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'swingset-vat-'));
  try {
    fs.copyFileSync(entry, path.join(stage, path.basename(entry)));
    fs.writeFileSync(
      path.join(stage, 'package.json'),
      JSON.stringify({
        name: 'swingset-vat',
        version: '0.0.0',
        type: 'module',
        dependencies: { '@endo/far': '*', '@agoric/vat-data': '*' },
      }),
    );
    fs.symlinkSync(path.join(here, 'node_modules'), path.join(stage, 'node_modules'));
    return await bundleSource(path.join(stage, path.basename(entry)), { format: 'endoZipBase64' });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

const config = await loadSwingsetConfigFile(configPath);
for (const desc of Object.values(config.vats)) {
  if (desc.sourceSpec) {
    desc.bundle = await bundleVat(desc.sourceSpec);
    delete desc.sourceSpec;
  }
}

const kernelBundles = await provideKernelBundles();
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'swingset-pingpong-js-'));
const { kernelStorage, hostStorage } = initSwingStore(state);
await initializeSwingset(config, [], kernelStorage, {
  addComms: false,
  addVattp: false,
  addTimer: false,
  kernelBundles,
});
const controller = await makeSwingsetController(kernelStorage, {}, {
  kernelBundle: kernelBundles.kernel,
});
await controller.run();
await hostStorage.commit();

async function rally(count) {
  controller.queueToVatRoot('bootstrap', 'rally', [count], 'ignore');
  const t0 = performance.now();
  const cranks = await controller.run();
  const s = (performance.now() - t0) / 1000;
  await hostStorage.commit();
  return { s, cranks };
}

await rally(20); // warm up, as pingpong_bench and the floor benchmark do
for (let r = 0; r < rallies; r += 1) {
  const { s, cranks } = await rally(n);
  writeOut(
    `${JSON.stringify({
      what: 'pingpong-js',
      n,
      rally: r,
      total_s: Number(s.toFixed(4)),
      ms_per_rt: Number(((1e3 * s) / n).toFixed(3)),
      rt_per_s: Number((n / s).toFixed(2)),
      cranks,
    })}\n`,
  );
}
await controller.shutdown();
await hostStorage.close();
fs.rmSync(state, { recursive: true, force: true });
process.exit(0);
