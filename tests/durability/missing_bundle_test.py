#!/usr/bin/env python3
"""A vat whose bundle has gone missing from the DB cannot be rebuilt: the next process that has to
start that vat from its bundle stops with an error naming the vat (ID and name) and the bundle ID,
exits 2 (kernel panic), and leaves the DB exactly as it was. Until then, work that does not need
that vat goes on, though the vat was online at the last commit (and so is preloaded at open).
Putting the bundle back with
`install-bundle` makes the vat replayable again, and its heap comes back by replay.

  missing_bundle_test.py SWINGSET_BINARY
"""
import base64
import json
import os
import re
import sqlite3
import sys
import tempfile

from durability import cli_runner, copy_scenario, dump, last_json, prepare, report



def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='swingset-missing-bundle-') as tmp:
        # The scenario's vats, with snapshots pushed out of reach: the dynamic vat's current
        # transcript span then starts with initialize-worker, so it is rebuilt from its bundle.
        config_path = copy_scenario('dynamic-vats', tmp, snapshotInitial=1000, snapshotInterval=1000)
        state = os.path.join(tmp, 'state')
        cli = cli_runner(binary)
        prepare(cli, state, config_path, ['bootstrap', 'createByName', '["c1","counter",100]'])
        p = cli('send', '--state', state, 'bootstrap', 'increment', '["c1"]')
        first = last_json(p.stdout)
        checks = [(p.returncode == 0 and first.get('value') == 101, 'first increment gives 101')]

        db = os.path.join(state, 'swingstore.sqlite')
        con = sqlite3.connect(db)
        dynamic = json.loads(con.execute("SELECT value FROM kvStore WHERE key = 'vat.dynamicIDs'").fetchone()[0])
        assert len(dynamic) == 1, f'expected one dynamic vat, got {dynamic}'
        vat = dynamic[0]
        bundle_id = json.loads(con.execute('SELECT value FROM kvStore WHERE key = ?', (f'{vat}.source',)).fetchone()[0])['bundleID']
        first_item = con.execute('SELECT i.item FROM transcriptItems i JOIN transcriptSpans s ON i.vatID = s.vatID '
                                 'AND i.position = s.startPos WHERE s.vatID = ? AND s.isCurrent = 1', (vat,)).fetchone()[0]
        print(f'dynamic vat {vat}, bundle {bundle_id}; current span starts with {json.loads(first_item)["d"][0]}')
        checks.append((json.loads(first_item)['d'][0] == 'initialize-worker',
                       'the current span starts with initialize-worker (no snapshot to start from)'))
        blob = con.execute('SELECT bundle FROM bundles WHERE bundleID = ?', (bundle_id,)).fetchone()[0]
        con.execute('DELETE FROM bundles WHERE bundleID = ?', (bundle_id,))
        con.commit()
        con.close()
        before = dump(db)

        p = cli('send', '--state', state, 'bootstrap', 'increment', '["c1"]')
        reply = last_json(p.stdout)
        error = reply.get('error', '')
        print(f'exit {p.returncode}: {p.stdout.strip()}')
        if p.returncode != 2:
            print(f'stderr: {p.stderr.strip()}')
        checks += [
            (p.returncode == 2, 'exit code 2 (kernel panic)'),
            (reply.get('ok') is False and reply.get('fatal') is True, 'reply is a fatal error'),
            (f'vat {vat}' in error, f'error names vat {vat}'),
            (re.search(r'\bc1\b', error) is not None, 'error names the vat c1'),
            (bundle_id in error, 'error names the bundle ID'),
            (dump(db) == before, 'the DB is untouched'),
        ]

        p = cli('send', '--state', state, 'bootstrap', 'outcome', '["c1"]')
        other = last_json(p.stdout)
        print(f'a send that does not need {vat}: exit {p.returncode}: {p.stdout.strip()}')
        checks.append((p.returncode == 0 and other.get('value') == ['pending'],
                       f'a message that does not need {vat} still works (its failed preload is not a panic)'))

        # Put the bundle back in the form install-bundle takes.
        bundle_file = os.path.join(tmp, 'counter.bundle.json')
        with open(bundle_file, 'w') as f:
            json.dump({'moduleFormat': 'endoZipBase64', 'endoZipBase64Sha512': bundle_id[len('b1-'):],
                       'endoZipBase64': base64.b64encode(blob).decode('ascii')}, f)
        p = cli('install-bundle', '--state', state, bundle_file)
        installed = last_json(p.stdout)
        print(f'install-bundle exit {p.returncode}: {p.stdout.strip()}')
        checks.append((p.returncode == 0 and installed.get('bundleID') == bundle_id,
                       'install-bundle puts the same bundle ID back'))

        p = cli('send', '--state', state, 'bootstrap', 'increment', '["c1"]')
        again = last_json(p.stdout)
        print(f'exit {p.returncode}: {p.stdout.strip()}')
        if p.returncode != 0:
            print(f'stderr: {p.stderr.strip()}')
        checks.append((p.returncode == 0 and again.get('value') == 102, 'increment after reinstall gives 102 (heap replayed)'))

        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
