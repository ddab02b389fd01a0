#!/usr/bin/env python3
"""Replay is checked: tamper with one recorded syscall in the DB, and the next process that has to
replay that vat stops with an error naming the vat, the transcript position, and the expected and
actual syscall, exits 2 (kernel panic), and leaves the DB exactly as it was.

  divergence_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sqlite3
import sys
import tempfile

from durability import cli_runner, dump, prepare, report, write_rally_config


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-divergence-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        # no snapshots: bob's whole history is replayed on restart
        write_rally_config(config, bundles, snapshotInitial=100000, snapshotInterval=100000)
        cli = cli_runner(binary)
        prepare(cli, state, config, ['bootstrap', 'rally', '[3]'])
        db = os.path.join(state, 'swingstore.sqlite')
        con = sqlite3.connect(db)
        bob = con.execute("SELECT value FROM kvStore WHERE key = 'vat.name.bob'").fetchone()[0]
        # the last delivery to bob in which he resolved a result: make the record say "#999"
        pos, item = con.execute("SELECT position, item FROM transcriptItems WHERE vatID = ? AND item LIKE "
                                "'%\"s\":[\"resolve\"%' ORDER BY position DESC LIMIT 1", (bob,)).fetchone()
        entry = json.loads(item)
        for sc in entry['sc']:
            if sc['s'][0] == 'resolve':
                original = sc['s'][1][0][2]['body']
                sc['s'][1][0][2]['body'] = '#999'
                break
        con.execute('UPDATE transcriptItems SET item = ? WHERE vatID = ? AND position = ?',
                    (json.dumps(entry, separators=(',', ':')), bob, pos))
        con.commit()
        con.close()
        before = dump(db)

        p = cli('send', '--state', state, 'bob', 'count', '[]')
        reply = json.loads(p.stdout.strip().splitlines()[-1])
        error = reply.get('error', '')
        print(f'exit {p.returncode}: {error}')
        checks = [
            (p.returncode == 2, 'exit code 2 (kernel panic)'),
            (reply.get('fatal') is True, 'reply marks the error fatal'),
            (f'vat {bob}' in error, f'error names vat {bob}'),
            (f'transcript position {pos}' in error, f'error names transcript position {pos}'),
            ('#999' in error and original in error, 'error shows the expected and the actual syscall'),
            (dump(db) == before, 'the DB is untouched'),
        ]
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
