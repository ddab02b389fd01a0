#!/usr/bin/env python3
"""A vat whose heap snapshot in the DB no longer matches its hash is never started from it: the
process that has to load it stops with an error naming the vat and the snapshot's hash, exits 2
(kernel panic), and leaves the DB exactly as it was. Two corruptions: valid gzip of other bytes of
the same length (only the SHA-256 check can catch it), and a truncated blob (gzip's own checks).
A vat whose transcript span starts from a snapshot the store no longer has in use is never started
from its bundle instead: the same stop, naming the snapshot. With the blob put back, the vat loads
and its heap state is intact.

  corrupt_snapshot_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import gzip
import os
import sqlite3
import sys
import tempfile

from durability import cli_runner, dump, last_json, prepare, report, write_rally_config


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-corrupt-snapshot-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        write_rally_config(config, bundles)  # bob's first snapshot comes after 3 deliveries
        cli = cli_runner(binary)
        prepare(cli, state, config, ['bootstrap', 'rally', '[5]'])

        db = os.path.join(state, 'swingstore.sqlite')
        con = sqlite3.connect(db)
        bob = con.execute("SELECT value FROM kvStore WHERE key = 'vat.name.bob'").fetchone()[0]
        snap_hash, blob = con.execute('SELECT hash, compressedSnapshot FROM snapshots WHERE vatID = ? AND inUse = 1',
                                      (bob,)).fetchone()
        con.close()
        raw = bytearray(gzip.decompress(blob))
        raw[len(raw) // 2] ^= 0x5a
        print(f'bob is {bob}; snapshot {snap_hash}, {len(raw)} bytes')

        def set_blob(b):
            c = sqlite3.connect(db)
            c.execute('UPDATE snapshots SET compressedSnapshot = ? WHERE vatID = ? AND inUse = 1', (b, bob))
            c.commit()
            c.close()

        checks = []
        for what, bad, said in (('valid gzip of other bytes', gzip.compress(bytes(raw)), 'is corrupt'),
                                ('a truncated blob', blob[:len(blob) // 2], 'is not valid gzip')):
            set_blob(bad)
            before = dump(db)
            p = cli('send', '--state', state, 'bob', 'count', '[]')
            error = last_json(p.stdout).get('error', '')
            print(f'{what}: exit {p.returncode}: {error}')
            checks += [
                (p.returncode == 2, f'{what}: exit code 2 (kernel panic)'),
                (f'snapshot of {bob}' in error and said in error, f'{what}: the error names {bob} and says "{said}"'),
                (snap_hash in error, f'{what}: the error names the snapshot hash'),
                (dump(db) == before, f'{what}: the DB is untouched'),
            ]

        set_blob(blob)
        con = sqlite3.connect(db)
        con.execute('UPDATE snapshots SET inUse = NULL WHERE vatID = ? AND hash = ?', (bob, snap_hash))
        con.commit()
        before = dump(db)
        p = cli('send', '--state', state, 'bob', 'count', '[]')
        error = last_json(p.stdout).get('error', '')
        print(f'no snapshot in use: exit {p.returncode}: {error}')
        checks += [
            (p.returncode == 2, 'no snapshot in use: exit code 2 (kernel panic)'),
            (bob in error and f'starts from heap snapshot {snap_hash}' in error and 'none in use' in error,
             'no snapshot in use: the error names the vat, the snapshot its span needs, and that there is none'),
            (dump(db) == before, 'no snapshot in use: the DB is untouched'),
        ]
        con.execute('UPDATE snapshots SET inUse = 1 WHERE vatID = ? AND hash = ?', (bob, snap_hash))
        con.commit()
        con.close()

        p = cli('send', '--state', state, 'bob', 'count', '[]')
        value = last_json(p.stdout).get('value')
        print(f'blob put back: exit {p.returncode}: {value}')
        checks.append((p.returncode == 0 and value == {'pings': 5, 'inOrder': True},
                       'with the blob put back, bob loads with his heap counters'))
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
