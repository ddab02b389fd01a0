"""Shared helpers for the durability tests: a rally config on prebuilt bundles, and a host
session over the JSON-lines protocol (tests/golden/driver.py's Host)."""
import glob
import json
import os
import shutil
import re
import sqlite3
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden'))
from driver import Host  # noqa: E402


JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'js')
XSNAP = 'node_modules/@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker'
LOCKDOWN = 'node_modules/@agoric/xsnap-lockdown/dist/lockdown.bundle'
SUPERVISOR = 'node_modules/@agoric/swingset-xsnap-supervisor/dist/supervisor.bundle'
VAT_ADMIN = 'build/vat-vat-admin.bundle.json'


def fake_js_dir(root):
    """A SWINGSET_JS_DIR (other worker packages) with what the kernel reads from js/: the worker
    binary, the two worker bundles (copies, to be changed) and the vat-admin vat's bundle."""
    for rel in (XSNAP, LOCKDOWN, SUPERVISOR, VAT_ADMIN):
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    os.symlink(os.path.abspath(os.path.join(JS, XSNAP)), os.path.join(root, XSNAP))
    os.symlink(os.path.abspath(os.path.join(JS, VAT_ADMIN)), os.path.join(root, VAT_ADMIN))
    for rel in (LOCKDOWN, SUPERVISOR):
        shutil.copy(os.path.join(JS, rel), os.path.join(root, rel))


def write_rally_config(path, bundles, **extra):
    """bootstrap holds alice and bob; bootstrap.rally(n) makes n alice->bob round trips."""
    vat = lambda name: {'bundleSpec': os.path.join(os.path.abspath(bundles), f'{name}.bundle.json')}
    config = {'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
              'vats': {'bootstrap': vat('vat-rally-bootstrap'), 'alice': vat('vat-alice'), 'bob': vat('vat-bob')}}
    config.update(extra)
    with open(path, 'w') as f:
        json.dump(config, f)


def write_counters_config(path, bundles):
    """bootstrap is tests/vats/vat-many-bootstrap.js: create(n) makes n dynamic counter vats
    (vat-counter.js, bundle name "counter", named counter0, counter1, ...), increment(i) messages one."""
    bundle = lambda name: {'bundleSpec': os.path.join(os.path.abspath(bundles), f'{name}.bundle.json')}
    with open(path, 'w') as f:
        json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                   'bundles': {'counter': bundle('vat-counter')}, 'vats': {'bootstrap': bundle('vat-many-bootstrap')}}, f)


def copy_scenario(name, folder, **config):
    """Copies tests/scenarios/NAME's vats into folder with its config.json overlaid by `config`;
    returns the new config's path."""
    scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scenarios', name)
    for f in glob.glob(os.path.join(scenario, '*.js')):
        shutil.copy(f, folder)
    with open(os.path.join(scenario, 'config.json')) as f:
        merged = json.load(f)
    merged.update(config)
    path = os.path.join(folder, 'config.json')
    with open(path, 'w') as f:
        json.dump(merged, f)
    return path


def last_json(stdout):
    """The last line of a CLI's stdout as JSON ({} if there is none or it is not JSON)."""
    lines = stdout.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return {}


def cli_runner(binary, env=None):
    """cli(*args): runs the swingset CLI (in `env`, else ours); returns the CompletedProcess,
    stdout and stderr as text."""
    return lambda *args: subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def prepare(cli, state, config, *sends):
    """init and run a kernel in `state`, then each send ([vat, method, args JSON]); all must succeed."""
    for args in (['init', '--state', state, config], ['run', '--state', state],
                 *(['send', '--state', state, *send] for send in sends)):
        p = cli(*args)
        assert p.returncode == 0, f'{args[0]} failed: {p.stdout} {p.stderr}'


def smallcaps(values):
    return {'body': '#' + json.dumps(values, separators=(',', ':')), 'slots': []}


class Session:
    """One host process on a state dir; request() raises on a refused request unless allowed."""

    def __init__(self, binary, state, log, host_args=()):
        self.host = Host([binary, 'host', *host_args], state, log)

    def request(self, op, allow_error=False, **fields):
        reply = self.host.request(dict(op=op, **fields), 600)
        if not reply.get('ok') and not allow_error:
            raise AssertionError(f'{op} failed: {reply.get("error")}')
        return reply

    def send(self, vat, method, args, **kw):
        return self.request('send', target={'vat': vat}, method=method, args=smallcaps(args), **kw)

    def close(self):
        self.request('shutdown')
        self.host.wait()


def started_kernel(binary, tmp, config):
    """A host on a new kernel in TMP/state made from `config` and bootstrapped (its log in
    TMP/host.log); returns (session, state dir, log)."""
    state = os.path.join(tmp, 'state')
    log = open(os.path.join(tmp, 'host.log'), 'w')
    s = Session(binary, state, log)
    s.request('init', config=config, argv=[])
    s.request('run')
    return s, state, log


def report(checks):
    """Prints each (ok, what) check and the closing count; returns the exit code."""
    failed = [what for ok, what in checks if not ok]
    for ok, what in checks:
        print(('ok   ' if ok else 'FAIL ') + what)
    print(f'{len(checks) - len(failed)} passed, {len(failed)} failed')
    return 1 if failed else 0


def dump(db_path):
    """Every row of every swing-store table, to show a DB is untouched."""
    con = sqlite3.connect(db_path)
    try:
        return {t: con.execute(f'SELECT * FROM {t} ORDER BY 1, 2').fetchall()
                for t in ('kvStore', 'transcriptItems', 'transcriptSpans', 'snapshots', 'bundles')}
    finally:
        con.close()


def refcount_problems(db_path):
    """Recomputes every object's and promise's refcount from its holders (importing c-list
    entries, device c-list entries, pins, vatParameters, queued messages and notifies, promise queues, resolution data;
    reference/refs-and-clists.md section 4) and lists each stored count that differs. The host's
    interest in a result promise it asked for is never released, so a promise may count one more.
    A c-list entry may outlive its object while a retireImport for it is pending."""
    con = sqlite3.connect(db_path)
    kv = dict(con.execute('SELECT key, value FROM kvStore'))
    con.close()
    reachable, recognizable, promise = Counter(), Counter(), Counter()

    def hold(kref):
        if kref.startswith('ko'):
            reachable[kref] += 1
            recognizable[kref] += 1
        elif kref.startswith('kp'):
            promise[kref] += 1

    def hold_message(msg):
        if msg.get('result'):
            hold(msg['result'])
        for s in msg['methargs']['slots']:
            hold(s)

    for k, v in kv.items():
        if m := re.fullmatch(r'v\d+\.c\.(k[op]\d+)', k):
            kref = m.group(1)
            if kref.startswith('kp'):
                promise[kref] += 1
            elif v[2:].startswith('o-'):  # an exporter's own entry does not count
                recognizable[kref] += 1
                reachable[kref] += v[0] == 'R'
        elif m := re.fullmatch(r'd\d+\.c\.(k[op]\d+)', k):  # a device holds what it was given for good
            hold(m.group(1))
        elif re.fullmatch(r'v\d+\.vatParameters', k):
            for s in json.loads(v)['slots']:
                hold(s)
        elif re.fullmatch(r'kp\d+\.data\.slots', k) and v:
            for s in v.split(','):
                hold(s)
        elif re.fullmatch(r'kp\d+\.queue\.\d+', k):
            hold(k.split('.')[0])
            hold_message(json.loads(v))
    for s in kv.get('pinnedObjects', '').split(','):
        if s:
            hold(s)
    for q in ('runQueue', 'acceptanceQueue'):
        head, tail = json.loads(kv[q])
        for n in range(head, tail):
            item = json.loads(kv[f'{q}.{n}'])
            if item['type'] == 'send':
                hold(item['target'])
                hold_message(item['msg'])
            elif item['type'] == 'notify':
                hold(item['kpid'])
            elif item['type'] in ('create-vat', 'startVat'):
                for s in item['vatParameters']['slots']:
                    hold(s)
    retiring = {a.split(' ')[2] for a in json.loads(kv.get('gcActions', '[]')) if ' retireImport ' in a}
    problems = []
    for k, v in kv.items():
        if m := re.fullmatch(r'(ko\d+)\.refCount', k):
            ko = m.group(1)
            if v != f'{reachable[ko]},{recognizable[ko]}':
                problems.append(f'{ko}.refCount is {v}, its holders make {reachable[ko]},{recognizable[ko]}')
        elif m := re.fullmatch(r'(kp\d+)\.refCount', k):
            kp = m.group(1)
            if int(v) - promise[kp] not in (0, 1):
                problems.append(f'{kp}.refCount is {v}, its holders make {promise[kp]}')
    for kref in list(recognizable) + list(promise):
        if f'{kref}.refCount' not in kv and kref not in retiring:
            problems.append(f'{kref} is held but does not exist')
    return problems
