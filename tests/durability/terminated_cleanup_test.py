#!/usr/bin/env python3
"""A terminated vat never comes back, and what it leaves in the DB is deleted by cleanup cranks:
its c-list (its exports orphaned, its imports and promises released), every other vNN.* key, its
snapshots and its transcript. A vat with many spans and snapshots is terminated, then the test
checks that nothing of it is left once the run is over, that the kernel objects it exported no
longer name it as owner, and that another dynamic vat goes on counting across restarts.

  terminated_cleanup_test.py SWINGSET_BINARY
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

from durability import copy_scenario, report

def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='swingset-cleanup-') as tmp:
        # many spans and snapshots
        config_path = copy_scenario('dynamic-vats', tmp, snapshotInitial=2, snapshotInterval=5)
        state = os.path.join(tmp, 'state')

        def cli(*args):
            p = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = p.stdout.strip().splitlines()
            return p.returncode, json.loads(lines[-1]) if lines else {}

        def send(method, *args):
            return cli('send', '--state', state, 'bootstrap', method, json.dumps(list(args)))[1]

        assert cli('init', '--state', state, config_path)[0] == 0
        assert cli('run', '--state', state)[0] == 0
        assert send('createByName', 'keep', 'counter', 0).get('value') == 'created'
        assert send('createByName', 'doomed', 'counter', 0).get('value') == 'created'
        for _ in range(12):
            send('increment', 'doomed')
        db = os.path.join(state, 'swingstore.sqlite')
        con = sqlite3.connect(db)
        q = lambda sql, *a: con.execute(sql, a).fetchall()
        dynamic = json.loads(q("SELECT value FROM kvStore WHERE key = 'vat.dynamicIDs'")[0][0])
        doomed = dynamic[1]
        before = {
            'keys': q('SELECT count(*) FROM kvStore WHERE key LIKE ?', f'{doomed}.%')[0][0],
            'spans': q('SELECT count(*) FROM transcriptSpans WHERE vatID = ?', doomed)[0][0],
            'snapshots': q('SELECT count(*) FROM snapshots WHERE vatID = ?', doomed)[0][0],
        }
        exported = [k for (k,) in q("SELECT value FROM kvStore WHERE key LIKE ?", f'{doomed}.c.o+%')]
        con.close()
        checks = [(before['keys'] > 5 and before['spans'] > 2 and before['snapshots'] > 1,
                   f'before termination {doomed} has state: {before}')]

        send('terminate', 'doomed', 'done with it')
        con = sqlite3.connect(db)
        q = lambda sql, *a: con.execute(sql, a).fetchall()
        left = {
            'keys': q('SELECT key FROM kvStore WHERE key LIKE ?', f'{doomed}.%'),
            'spans': q('SELECT count(*) FROM transcriptSpans WHERE vatID = ?', doomed)[0][0],
            'items': q('SELECT count(*) FROM transcriptItems WHERE vatID = ?', doomed)[0][0],
            'snapshots': q('SELECT count(*) FROM snapshots WHERE vatID = ?', doomed)[0][0],
        }
        owners = q("SELECT key FROM kvStore WHERE key LIKE 'ko%.owner' AND value = ?", doomed)
        terminated = json.loads(q("SELECT value FROM kvStore WHERE key = 'vats.terminated'")[0][0])
        con.close()
        checks += [
            (left == {'keys': [], 'spans': 0, 'items': 0, 'snapshots': 0}, f'nothing of {doomed} is left: {left}'),
            (owners == [], f'no kernel object is owned by {doomed} (it exported {exported})'),
            (terminated == [], f'vats.terminated is empty again: {terminated}'),
        ]
        r = send('increment', 'doomed')
        checks.append((r.get('status') == 'rejected', f'messages to the terminated vat reject: {r}'))
        checks.append((send('increment', 'keep').get('value') == 1, 'the other vat counts: 1'))
        checks.append((send('increment', 'keep').get('value') == 2, 'after a restart it counts on: 2'))
        checks.append((send('outcome', 'doomed').get('value') == ['rejected', 'done with it'],
                       'its done() promise rejected with the reason'))
    return report(checks)


if __name__ == '__main__':
    sys.exit(main())
