#!/usr/bin/env python3
"""A vat moves to another kernel: `swingset export-vat` writes it (bundle, options, snapshot,
current transcript span, vatstore, c-list) without starting it, and `swingset import-vat`
installs it in a fresh kernel as a dynamic vat, whose count goes on from where it was. Its
references from outside become broken ones there (sends to them reject, promises from outside
reject), and every refcount in both kernels equals what its holders make. A tampered archive, an
unknown vat, a vat holding a device, and a name already taken are refused with nothing changed.
A dynamic vat (made through vat-admin) moves too, also to a kernel on other worker packages.

  vat_archive_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

from durability import SUPERVISOR, dump, fake_js_dir, last_json, refcount_problems, report, Session

# The counter gets a BOYD after each increment: with a snapshot every 10 deliveries it has several
# and a part-filled span. c1 has fewer than 10, so no snapshot.
INCREMENTS = 30




def kv(state, key):
    con = sqlite3.connect(os.path.join(state, 'swingstore.sqlite'))
    try:
        row = con.execute('SELECT value FROM kvStore WHERE key = ?', (key,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def main():
    binary, bundles = sys.argv[1], os.path.abspath(sys.argv[2])
    bundle = lambda name: {'bundleSpec': os.path.join(bundles, f'{name}.bundle.json')}
    checks = []
    with tempfile.TemporaryDirectory(prefix='swingset-vat-archive-') as tmp:
        a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'b')
        db_a, db_b = os.path.join(a, 'swingstore.sqlite'), os.path.join(b, 'swingstore.sqlite')
        config_a, config_b = os.path.join(tmp, 'a.json'), os.path.join(tmp, 'b.json')
        with open(config_a, 'w') as f:
            json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                       'snapshotInitial': 1000, 'snapshotInterval': 10, 'bundles': {'counter': bundle('vat-archive-counter')},
                       'vats': {'bootstrap': bundle('vat-archive-bootstrap'), 'counter': bundle('vat-archive-counter'),
                                'other': bundle('vat-archive-counter')}}, f)
        with open(config_b, 'w') as f:  # the importing kernel has only its bootstrap and vat-admin
            json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                       'vats': {'bootstrap': bundle('vat-archive-bootstrap')}}, f)

        def cli(*args, env=None):
            p = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            return p.returncode, last_json(p.stdout)

        def check(ok, what):
            checks.append((bool(ok), what))

        # Kernel A: a counter with history, holding references from outside itself.
        log = open(os.path.join(tmp, 'host.log'), 'w')
        s = Session(binary, a, log)
        s.request('init', config=config_a, argv=[])
        s.request('run')
        s.close()
        s = Session(binary, a, log)  # a kernel reads its snapshot interval when it opens
        s.request('open')
        s.send('bootstrap', 'introduce', ['counter', 'other'])   # counter imports other's root (o-50)
        s.send('bootstrap', 'recognize', ['counter', 'bootstrap'])  # ... and only recognizes this one
        thing = s.send('counter', 'makeThing', [])  # an export (o+10) the host's result promise holds
        for _ in range(INCREMENTS):
            last = s.send('counter', 'increment', [])
        s.send('counter', 'watchFriend', [])  # awaits a promise `other` decides and never settles
        s.send('bootstrap', 'createCounter', ['c1', 'counter', 100])
        for _ in range(2):
            dynamic = s.send('bootstrap', 'incrementDynamic', ['c1'])
        failed = s.request('send', target={'vat': 'c1'}, method='fail', args={'body': '#[]', 'slots': []})
        s.close()
        check(failed.get('status') == 'rejected' and 'error:liveSlots:' in failed['result']['body'],
              f'c1 rejected a result with an Error (an errorId naming its vatID): {failed.get("result")}')
        check(thing['result']['slots'] and last['result']['body'] == f'#{INCREMENTS}' and
              dynamic['result']['body'] == '#102', f'kernel A: the counter reached {INCREMENTS}, c1 102')
        counter_a = kv(a, 'vat.name.counter')
        c1_a = json.loads(kv(a, 'vat.dynamicIDs'))[0]
        con = sqlite3.connect(db_a)
        snap = con.execute('SELECT snapPos FROM snapshots WHERE vatID = ? AND inUse = 1', (counter_a,)).fetchone()
        span = con.execute('SELECT startPos, endPos FROM transcriptSpans WHERE vatID = ? AND isCurrent = 1',
                           (counter_a,)).fetchone()
        c1_snap = con.execute('SELECT snapPos FROM snapshots WHERE vatID = ? AND inUse = 1', (c1_a,)).fetchone()
        con.close()
        check(c1_snap is None, 'c1 has no snapshot: it will be rebuilt from its bundle and whole transcript')
        check(snap and snap[0] > 2 * INCREMENTS and 1 < span[1] - span[0] <= 10,
              f'the counter has a recent snapshot (at {snap and snap[0]}) and a span after it {span}')
        check(kv(a, f'{counter_a}.c.o-51') and kv(a, f'{counter_a}.c.' + kv(a, f'{counter_a}.c.o-51')).startswith('_'),
              'the counter only recognizes one import (flag _)')
        check(refcount_problems(db_a) == [], f'kernel A refcounts: {refcount_problems(db_a)}')

        # Export: files, no state change, refusals.
        counter_vat, c1_vat, c1_by_id = (os.path.join(tmp, n) for n in ('counter.vat', 'c1.vat', 'c1-by-id.vat'))
        before_a = dump(db_a)
        rc, out = cli('export-vat', '--state', a, 'counter', counter_vat)
        counter_sha256 = out.get('sha256')
        check(rc == 0 and out.get('ok') and counter_sha256 == hashlib.sha256(
            open(counter_vat, 'rb').read().split(b'\n', 1)[1]).hexdigest(), f'export-vat counter prints its payload sha256: {out}')
        rc, out = cli('export-vat', '--state', a, 'c1', c1_vat)
        check(rc == 0, f'export-vat of the dynamic vat c1 by name: {out}')
        rc, out = cli('export-vat', '--state', a, c1_a, c1_by_id)
        check(rc == 0 and open(c1_vat, 'rb').read() == open(c1_by_id, 'rb').read(),
              f'export-vat {c1_a} (by vat ID) writes the same bytes')
        missing = os.path.join(tmp, 'missing.vat')
        rc, out = cli('export-vat', '--state', a, 'nosuch', missing)
        check(rc == 1 and 'nosuch' in out.get('error', '') and not os.path.exists(missing),
              f'an unknown vat is refused (exit 1), no file: {out.get("error")}')
        rc, out = cli('export-vat', '--state', a, 'bootstrap', missing)
        check(rc == 1 and 'device' in out.get('error', '') and not os.path.exists(missing),
              f'a vat holding a device node is refused: {out.get("error")}')
        check(dump(db_a) == before_a, 'exporting changed nothing in kernel A')

        # Kernel B: refusals first, then the imports.
        rc, out = cli('init', '--state', b, config_b)
        rc2, _ = cli('run', '--state', b)
        check(rc == 0 and rc2 == 0, 'kernel B initialized and bootstrapped')
        before_b = dump(db_b)
        original = open(counter_vat, 'rb').read()
        header_end = original.index(b'\n')
        tampered = os.path.join(tmp, 'tampered.vat')
        for where, at in (('header', header_end // 2), ('payload', len(original) // 2), ('last byte', len(original) - 1)):
            bad = bytearray(original)
            bad[at] ^= 0x01
            with open(tampered, 'wb') as f:
                f.write(bad)
            rc, out = cli('import-vat', '--state', b, tampered)
            error = out.get('error', '')
            check(rc == 1 and tampered in error and dump(db_b) == before_b,
                  f'one changed bit in the {where} is refused, naming the file; B unchanged: {error}')
        with open(tampered, 'wb') as f:
            f.write(original[:-1000])
        rc, out = cli('import-vat', '--state', b, tampered)
        check(rc == 1 and 'truncated' in out.get('error', '') and dump(db_b) == before_b,
              f'a truncated archive is refused: {out.get("error")}')

        def reseal(edit):
            """The archive with its manifest edited and its hash recomputed, as anyone can."""
            parts, payload = [], original[header_end + 1:]
            while payload:
                colon = payload.index(b':')
                n = int(payload[:colon])
                parts.append(payload[colon + 1:colon + 1 + n])
                payload = payload[colon + 2 + n:]
            manifest = json.loads(parts[1])
            edit(manifest)
            parts[1] = json.dumps(manifest, separators=(',', ':')).encode()
            payload = b''.join(b'%d:%s,' % (len(p), p) for p in parts)
            header = json.loads(original[:header_end])
            header.update(payloadBytes=len(payload), payloadSha256=hashlib.sha256(payload).hexdigest())
            with open(tampered, 'wb') as f:
                f.write(json.dumps(header, separators=(',', ':')).encode() + b'\n' + payload)

        # Re-sealed with values that would panic the kernel later: refused at import.
        edits = (('options.name is 5', lambda m: m['options'].update(name=5), 'manifest.options.name is not a string'),
                 ('nextImportIDs.o is 50, an import the c-list has', lambda m: m['nextImportIDs'].update(o=50),
                  'not below nextImportIDs'),
                 ('the snapshot claims 1 TB', lambda m: m['snapshot'].update(uncompressedSize=10**12), 'uncompressedSize'))
        for what, edit, error in edits:
            reseal(edit)
            rc, out = cli('import-vat', '--state', b, tampered)
            check(rc == 1 and error in out.get('error', '') and dump(db_b) == before_b,
                  f'a re-sealed archive whose {what} is refused: {out.get("error")}')
        # A re-sealed archive whose values are plausible passes the header's hash: only the payload
        # hash export-vat printed, given to import-vat, tells it from the original.
        reseal(lambda m: m['options'].update(enableSetup=True))
        rc, out = cli('import-vat', '--state', b, '--expect-sha256', counter_sha256, tampered)
        check(rc == 1 and 'not the expected' in out.get('error', '') and dump(db_b) == before_b,
              f'a plausible re-sealed archive is refused against the sha256 export-vat printed: {out.get("error")}')
        rc, out = cli('import-vat', '--state', b, '--name', 'v1', counter_vat)
        check(rc == 1 and 'is a vat ID' in out.get('error', '') and dump(db_b) == before_b,
              f'a name that is a vat ID is refused: {out.get("error")}')

        rc, out = cli('import-vat', '--state', b, '--expect-sha256', counter_sha256, counter_vat)
        counter_b = out.get('vatID')
        check(rc == 0 and out.get('name') == 'counter' and counter_b in json.loads(kv(b, 'vat.dynamicIDs')),
              f'import-vat: a new dynamic vat in B: {out}')
        check(refcount_problems(db_b) == [], f'kernel B refcounts after the import: {refcount_problems(db_b)}')
        gc = json.loads(kv(b, 'gcActions'))
        check(f'{counter_b} dropExport' in ' '.join(gc) and f'{counter_b} retireImport' in ' '.join(gc),
              f'nobody in B holds the thing, and the recognized import is gone: {gc}')

        rc, out = cli('send', '--state', b, 'counter', 'get')
        check(rc == 0 and out.get('value') == {'count': INCREMENTS, 'durableCount': INCREMENTS},
              f'B: the heap and the vatstore came along: {out.get("value")}')
        rc, out = cli('send', '--state', b, 'counter', 'increment')
        check(rc == 0 and out.get('value') == INCREMENTS + 1, f'B: the count goes on: {out.get("value")}')
        rc, out = cli('send', '--state', b, 'counter', 'watched')
        check(out.get('value') == ['rejected', 'vat terminated'],
              f'B: the promise from outside was rejected and the vat notified: {out.get("value")}')
        rc, out = cli('send', '--state', b, 'counter', 'callFriend')
        check(out.get('status') == 'rejected' and out.get('value', {}).get('@error', {}).get('message') == 'vat terminated',
              f'B: a send to an import is rejected (broken reference): {out.get("value")}')
        check(json.loads(kv(b, 'gcActions')) == [] and kv(b, f'{counter_b}.c.o+10') is None
              and kv(b, f'{counter_b}.c.o-51') is None, 'B: the GC actions were delivered')
        check(refcount_problems(db_b) == [], f'kernel B refcounts after running: {refcount_problems(db_b)}')

        before_b = dump(db_b)
        rc, out = cli('import-vat', '--state', b, counter_vat)
        check(rc == 1 and 'counter' in out.get('error', '') and dump(db_b) == before_b,
              f'importing under a name B already has is refused: {out.get("error")}')
        rc, out = cli('import-vat', '--state', b, c1_vat)
        check(rc == 0 and out.get('name') == 'c1', f'import-vat of the dynamic vat c1: {out}')
        rc, out = cli('send', '--state', b, 'c1', 'increment')
        check(rc == 0 and out.get('value') == 103,
              f'B: c1, rebuilt from its bundle under its old vatID, replays its failure and goes on from 102: {out}')
        rc, out = cli('send', '--state', b, 'counter', 'increment')
        check(rc == 0 and out.get('value') == INCREMENTS + 2, f'B: the counter, once more: {out.get("value")}')
        check(refcount_problems(db_b) == [], f'kernel B refcounts at the end: {refcount_problems(db_b)}')

        # Kernel C runs other worker packages (its supervisor bundle has another ID). The counter
        # comes back from its heap snapshot, which holds its own liveslots; c1, rebuilt from its
        # bundle, on the lockdown and supervisor it was made with, which its archive carries.
        js_c, c = os.path.join(tmp, 'js-c'), os.path.join(tmp, 'c')
        fake_js_dir(js_c)
        with open(os.path.join(js_c, SUPERVISOR), 'a') as f:
            f.write('\n')
        env_c = dict(os.environ, SWINGSET_JS_DIR=js_c)
        ok = cli('init', '--state', c, config_b, env=env_c)[0] == 0 and cli('run', '--state', c, env=env_c)[0] == 0
        con = sqlite3.connect(db_a)
        a_worker_bundles = {r[0] for r in con.execute("SELECT bundleID FROM bundles WHERE bundleID LIKE 'b0-%'")}
        con.close()
        supervisor_a = json.loads(kv(a, f'{c1_a}.options'))['workerOptions']['bundleIDs'][1]
        c_options = json.loads(kv(c, 'v1.options'))
        check(ok and supervisor_a in a_worker_bundles and c_options['workerOptions']['bundleIDs'][1] != supervisor_a,
              'kernel C runs another supervisor bundle than A')

        def without_worker_bundles(src, dst):
            """src re-sealed without its workerBundles part: what an older export-vat wrote."""
            data = open(src, 'rb').read()
            end = data.index(b'\n')
            frames, payload = [], data[end + 1:]
            while payload:
                colon = payload.index(b':')
                n = int(payload[:colon])
                frames.append(payload[colon + 1:colon + 1 + n])
                payload = payload[colon + 2 + n:]
            pairs = [(frames[i], frames[i + 1]) for i in range(0, len(frames), 2) if frames[i] != b'workerBundles']
            payload = b''.join(b'%d:%s,' % (len(x), x) for pair in pairs for x in pair)
            header = json.loads(data[:end])
            header.update(payloadBytes=len(payload), payloadSha256=hashlib.sha256(payload).hexdigest())
            with open(dst, 'wb') as f:
                f.write(json.dumps(header, separators=(',', ':')).encode() + b'\n' + payload)
            return len(pairs) * 2 < len(frames)

        db_c = os.path.join(c, 'swingstore.sqlite')
        before_c = dump(db_c)
        stripped = without_worker_bundles(c1_vat, tampered)
        rc, out = cli('import-vat', '--state', c, tampered, env=env_c)
        check(stripped and rc == 1 and 'does not carry them' in out.get('error', '') and dump(db_c) == before_c,
              f'C: c1 from an archive without its worker bundles is refused, C unchanged: {out.get("error")}')
        rc, out = cli('import-vat', '--state', c, counter_vat, env=env_c)
        rc2, out2 = cli('send', '--state', c, 'counter', 'increment', env=env_c)
        check(rc == 0 and rc2 == 0 and out2.get('value') == INCREMENTS + 1,
              f'C: the counter, from its snapshot on other packages, goes on: {out} {out2.get("value")}')
        rc, out = cli('import-vat', '--state', c, c1_vat, env=env_c)
        rc2, out2 = cli('send', '--state', c, 'c1', 'increment', env=env_c)
        con = sqlite3.connect(db_c)
        has_supervisor_a = con.execute('SELECT 1 FROM bundles WHERE bundleID = ?', (supervisor_a,)).fetchone()
        con.close()
        check(rc == 0 and has_supervisor_a and rc2 == 0 and out2.get('value') == 103,
              f'C: c1 brought its worker bundles into the bundle store and replays on them: {out} {out2}')
        check(refcount_problems(db_c) == [], f'kernel C refcounts at the end: {refcount_problems(db_c)}')
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
