#!/usr/bin/env node
// The host protocol (shared/docs/host-protocol.md, JSON lines on stdin/stdout) over the
// real JS SwingSet kernel: @agoric/swingset-vat 0.33.0 + @agoric/swing-store 0.10.0, every vat on
// an xsnap worker. It is the reference that `swingset host --state DIR` is compared against.
//   node bench/reference/js-host.mjs --state DIR
// stdout carries replies only: everything else the process (or an xsnap worker) prints goes to
// stderr. Vat `sourceSpec`s are bundled here the way js/bundle-vat.mjs bundles them (the vat's
// folder staged beside a node_modules link, fixed package.json), so bundle IDs match the C++ side.
import '@endo/init/debug.js';
import { spawn as ambientSpawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import readline from 'readline';
import { fileURLToPath } from 'url';
import {
  buildKernelBundles,
  initializeSwingset,
  makeSwingsetController,
  loadSwingsetConfigFile,
  swingsetIsInitialized,
} from '@agoric/swingset-vat';
import { initSwingStore, openSwingStore, isSwingStore } from '@agoric/swing-store';
import { kunser, kslot } from '@agoric/kmarshal';
import bundleSource from '@endo/bundle-source';
import { createHash } from 'crypto';

// Keep stdout for replies: anything else written to it (kernel/anylogger console) goes to stderr.
const writeReply = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--prime-cache') {
  await provideKernelBundles();
  process.stderr.write('js-host: kernel bundles cached\n');
  process.exit(0);
}

function usage() {
  process.stderr.write('usage: node js-host.mjs --state DIR\n');
  process.exit(64);
}
const argv = process.argv.slice(2);
const stateIdx = argv.indexOf('--state');
if (stateIdx < 0 || !argv[stateIdx + 1]) usage();
const stateDir = path.resolve(argv[stateIdx + 1]);

// ---- per-request capture: vat userspace console lines and counters, fed by the slog ----
let logs = [];
const zeroStats = () => ({
  deliveries: 0,
  boyds: 0,
  replayedDeliveries: 0,
  workerSpawns: 0,
  snapshotLoads: 0,
  snapshotSaves: 0,
});
let stats = zeroStats();

function renderArg(a) {
  if (typeof a === 'string') return a;
  try {
    const s = JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
    return s === undefined ? String(a) : s;
  } catch {
    return String(a);
  }
}

function slogSender(obj) {
  switch (obj.type) {
    case 'console':
      // source: 'vat' (userspace), 'liveslots', 'kernel', 'controller', 'xsnap'. The slogger
      // already drops console output while a vat replays its transcript.
      if (obj.source === 'vat') {
        logs.push({
          vat: obj.vatID,
          level: obj.level,
          line: (obj.args || []).map(renderArg).join(' '),
        });
      }
      break;
    case 'deliver':
      if (obj.replay) stats.replayedDeliveries += 1;
      else {
        stats.deliveries += 1;
        if (obj.dispatch === 'bringOutYourDead') stats.boyds += 1;
      }
      break;
    case 'heap-snapshot-load':
      stats.snapshotLoads += 1;
      break;
    case 'heap-snapshot-save':
      stats.snapshotSaves += 1;
      break;
    default:
  }
}

// xsnap workers are spawned with stdout 'inherit': point it at our stderr instead.
function spawn(cmd, args, opts = {}) {
  stats.workerSpawns += 1;
  const stdio = Array.isArray(opts.stdio)
    ? opts.stdio.map((s, i) => (i === 1 && s === 'inherit' ? 2 : s))
    : opts.stdio;
  return ambientSpawn(cmd, args, { ...opts, stdio });
}

const runtimeOptions = { slogSender, spawn };

// Bundling the kernel and its built-in vats takes tens of seconds; the result depends only on
// the installed packages, so keep it in .cache/ keyed by package-lock.json.
export async function provideKernelBundles() {
  const lock = fs.readFileSync(path.join(here, 'package-lock.json'));
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const file = path.join(here, '.cache', `kernel-bundles-${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    const bundles = await buildKernelBundles();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(bundles));
    fs.renameSync(tmp, file);
    return bundles;
  }
}
let kernelBundles;
async function controllerOptions() {
  kernelBundles ||= await provideKernelBundles();
  return { ...runtimeOptions, kernelBundle: kernelBundles.kernel };
}

// ---- bundling sourceSpec vats exactly like js/bundle-vat.mjs ----
const bundleCache = new Map();
async function bundleVat(entry) {
  entry = path.resolve(entry);
  if (bundleCache.has(entry)) return bundleCache.get(entry);
  const srcDir = path.dirname(entry);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'swingset-vat-'));
  try {
    fs.cpSync(srcDir, stage, {
      recursive: true,
      filter: src => !/(^|\/)(node_modules|\.git)$/.test(src),
    });
    if (!fs.existsSync(path.join(stage, 'package.json'))) {
      fs.writeFileSync(
        path.join(stage, 'package.json'),
        JSON.stringify({
          name: 'swingset-vat',
          version: '0.0.0',
          type: 'module',
          dependencies: { '@endo/far': '*', '@agoric/vat-data': '*' },
        }),
      );
    }
    fs.rmSync(path.join(stage, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(path.join(here, 'node_modules'), path.join(stage, 'node_modules'));
    const bundle = await bundleSource(path.join(stage, path.basename(entry)), {
      format: 'endoZipBase64',
    });
    bundleCache.set(entry, bundle);
    return bundle;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

async function loadConfig(configPath) {
  const abs = path.resolve(configPath);
  if (!fs.existsSync(abs)) throw Error(`config ${configPath} does not exist`);
  const config = await loadSwingsetConfigFile(abs); // resolves *Spec paths relative to it
  if (!config) throw Error(`cannot load config ${configPath}`);
  for (const group of ['vats', 'bundles']) {
    for (const desc of Object.values(config[group] || {})) {
      if (desc && typeof desc === 'object' && 'sourceSpec' in desc) {
        desc.bundle = await bundleVat(desc.sourceSpec);
        delete desc.sourceSpec;
      }
    }
  }
  config.defaultManagerType ||= 'xsnap';
  return config;
}

// ---- the kernel ----
let swingStore; // { kernelStorage, hostStorage }
let controller;
let bootstrapKpid; // known only in the process that ran init
let bootstrapReport; // cached once resolved (kpResolution may only be taken once)

const needKernel = () => {
  if (!controller) throw Error('no kernel open (send init or open first)');
};

class Fatal extends Error {}

async function runKernel() {
  try {
    return await controller.run();
  } catch (e) {
    throw new Fatal(`kernel panic: ${e && e.message}`, { cause: e });
  }
}

function resolveTarget(target) {
  if (!target || typeof target !== 'object') throw Error('missing target');
  if (typeof target.vat === 'string') {
    let vatID;
    try {
      vatID = controller.vatNameToID(target.vat);
    } catch {
      vatID = undefined;
    }
    if (!vatID) throw Error(`unknown vat name ${JSON.stringify(target.vat)}`);
    return { vat: target.vat };
  }
  if (typeof target.kref === 'string') {
    const { kref } = target;
    if (!/^ko\d+$/.test(kref)) throw Error(`bad target kref ${JSON.stringify(kref)}`);
    if (swingStore.kernelStorage.kvStore.get(`${kref}.owner`) === undefined &&
        swingStore.kernelStorage.kvStore.get(`${kref}.refCount`) === undefined) {
      throw Error(`unknown kref ${kref}`);
    }
    return { kref };
  }
  throw Error('target must be {vat} or {kref}');
}

function decodeArgs(args) {
  if (args === undefined) return [];
  if (!args || typeof args.body !== 'string' || !Array.isArray(args.slots)) {
    throw Error('args must be capdata {body, slots}');
  }
  const vals = kunser(args);
  if (!Array.isArray(vals)) throw Error('args capdata must encode an array');
  return vals;
}

function queueMessage(req, policy) {
  needKernel();
  if (typeof req.method !== 'string') throw Error('method must be a string');
  const target = resolveTarget(req.target);
  const args = decodeArgs(req.args);
  if (target.vat) return controller.queueToVatRoot(target.vat, req.method, args, policy);
  return controller.queueToVatObject(kslot(target.kref), req.method, args, policy);
}

const ops = {
  async init(req) {
    if (controller) throw Error('a kernel is already open');
    if (isSwingStore(stateDir)) throw Error(`kernel state already exists in ${stateDir}`);
    if (typeof req.config !== 'string') throw Error('init needs config (a path)');
    const config = await loadConfig(req.config);
    const createdDir = !fs.existsSync(stateDir);
    swingStore = initSwingStore(stateDir);
    try {
      bootstrapKpid = await initializeSwingset(
        config,
        req.argv || [],
        swingStore.kernelStorage,
        {
          addComms: false,
          addVattp: false,
          addTimer: false,
          kernelBundles: (kernelBundles ||= await provideKernelBundles()),
        },
        runtimeOptions,
      );
      controller = await makeSwingsetController(
        swingStore.kernelStorage,
        {},
        await controllerOptions(),
      );
      await swingStore.hostStorage.commit();
    } catch (e) {
      // refused: leave no state behind
      controller = undefined;
      await swingStore.hostStorage.close().catch(() => {});
      swingStore = undefined;
      if (createdDir) fs.rmSync(stateDir, { recursive: true, force: true });
      else {
        for (const f of fs.readdirSync(stateDir)) {
          if (f.startsWith('swingstore.sqlite')) fs.rmSync(path.join(stateDir, f), { force: true });
        }
      }
      throw e;
    }
    return {};
  },

  async open() {
    if (controller) throw Error('a kernel is already open');
    if (!isSwingStore(stateDir)) throw Error(`no kernel state in ${stateDir}`);
    swingStore = openSwingStore(stateDir);
    if (!swingsetIsInitialized(swingStore.kernelStorage)) {
      await swingStore.hostStorage.close();
      swingStore = undefined;
      throw Error(`kernel in ${stateDir} was never initialized`);
    }
    controller = await makeSwingsetController(
      swingStore.kernelStorage,
      {},
      await controllerOptions(),
    );
    return {};
  },

  async run() {
    needKernel();
    const cranks = await runKernel();
    const reply = { cranks };
    if (bootstrapKpid) {
      if (!bootstrapReport) {
        const status = controller.kpStatus(bootstrapKpid);
        if (status !== 'unresolved') {
          bootstrapReport = { status, result: controller.kpResolution(bootstrapKpid) };
        }
      }
      reply.bootstrap = bootstrapReport || { status: 'unresolved' };
    }
    await swingStore.hostStorage.commit();
    return reply;
  },

  async send(req) {
    const kpid = queueMessage(req, 'ignore');
    const cranks = await runKernel();
    const status = controller.kpStatus(kpid);
    const reply = { status, cranks };
    if (status !== 'unresolved') reply.result = controller.kpResolution(kpid);
    await swingStore.hostStorage.commit();
    return reply;
  },

  async queue(req) {
    queueMessage(req, 'none');
    return {};
  },

  async installBundle(req) {
    needKernel();
    if (typeof req.bundle !== 'string') throw Error('installBundle needs bundle (a path)');
    let bundle;
    try {
      bundle = harden(JSON.parse(fs.readFileSync(req.bundle, 'utf-8')));
    } catch (e) {
      throw Error(`cannot read bundle ${req.bundle}: ${e.message}`);
    }
    const bundleID = await controller.validateAndInstallBundle(bundle);
    await swingStore.hostStorage.commit();
    return { bundleID };
  },

  async shutdown() {
    if (controller) await controller.shutdown();
    if (swingStore) await swingStore.hostStorage.close();
    controller = undefined;
    swingStore = undefined;
    return { exit: 0 };
  },
};

function send(obj) {
  writeReply(`${JSON.stringify(obj)}\n`);
}

async function serve(line) {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    process.stderr.write(`js-host: ignoring non-JSON request: ${line}\n`);
    return;
  }
  const { id, op } = req;
  logs = [];
  stats = zeroStats();
  const t0 = performance.now();
  let reply;
  let exitCode;
  try {
    const fn = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!fn) throw Error(`unknown op ${JSON.stringify(op)}`);
    const { exit, ...rest } = await fn(req);
    exitCode = exit;
    reply = { id, ok: true, ...rest };
  } catch (e) {
    process.stderr.write(`js-host: ${op} failed: ${e && e.stack}\n`);
    reply = { id, ok: false, error: String((e && e.message) || e) };
    if (e instanceof Fatal) {
      reply.fatal = true;
      exitCode = 1;
    }
  }
  reply.ms = Math.round((performance.now() - t0) * 1000) / 1000;
  reply.logs = logs;
  // the kernel's activity hash after the request (as `swingset host` reports it), while a
  // kernel is open: drivers print it to show whether the two kernels did the same work
  if (controller) stats.activityHash = controller.getActivityhash();
  reply.stats = stats;
  send(reply);
  if (exitCode !== undefined) {
    // let stdout drain before leaving
    await new Promise(resolve => writeReply('', resolve));
    process.exit(exitCode);
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let chain = Promise.resolve();
rl.on('line', line => {
  chain = chain.then(() => serve(line));
});
rl.on('close', () => {
  chain = chain.then(async () => {
    // stdin closed without shutdown: stop workers, keep only what was committed
    if (controller) await controller.shutdown().catch(() => {});
    if (swingStore) await swingStore.hostStorage.close().catch(() => {});
    process.exit(0);
  });
});
