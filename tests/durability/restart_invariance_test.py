#!/usr/bin/env python3
"""Neither host restarts nor the host's choice of how many workers to keep change what the kernel
computes: the same messages, sent in one host process, with a restart between each, or in one
process with one vat online at a time (--max-vats-online 1), leave the same consensus state
(every kvStore row but local.*), the same transcripts and the same heap snapshots (position and
hash). A kernel that took extra snapshots at shutdown or at eviction would fail this: the next
snapshot, and the bringOutYourDead before it, would come at another delivery.

  restart_invariance_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sqlite3
import sys
import tempfile

from durability import report, Session, write_rally_config

SENDS = 5
ROUND_TRIPS = 4  # bob gets a ping and a bringOutYourDead per round trip


def consensus_state(db_path):
    con = sqlite3.connect(db_path)
    try:
        return {
            'kvStore': con.execute("SELECT key, value FROM kvStore WHERE key NOT LIKE 'local.%' ORDER BY key").fetchall(),
            'transcriptItems': con.execute('SELECT vatID, position, item FROM transcriptItems ORDER BY 1, 2').fetchall(),
            'snapshots': con.execute('SELECT vatID, snapPos, hash, inUse FROM snapshots ORDER BY 1, 2').fetchall(),
        }
    finally:
        con.close()


def run(binary, bundles, tmp, name, restart_between=False, host_args=()):
    config, state = os.path.join(tmp, f'{name}.json'), os.path.join(tmp, name)
    # Frequent snapshots, so that some fall within the sends.
    write_rally_config(config, bundles, snapshotInitial=2, snapshotInterval=10)
    log = open(os.path.join(tmp, f'{name}.log'), 'w')
    s = Session(binary, state, log, host_args)
    s.request('init', config=config, argv=[])
    s.request('run')
    for i in range(SENDS):
        if restart_between and i:
            s.close()
            s = Session(binary, state, log, host_args)
            s.request('open')
        reply = s.send('bootstrap', 'rally', [ROUND_TRIPS])
        if reply.get('status') != 'fulfilled':
            raise AssertionError(f'{name}: rally {i} gave {reply}')
    s.close()
    return consensus_state(os.path.join(state, 'swingstore.sqlite'))


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-invariance-') as tmp:
        one = run(binary, bundles, tmp, 'one-process')
        others = {f'with {SENDS - 1} host restarts': run(binary, bundles, tmp, 'restarts', restart_between=True),
                  'with one vat online at a time': run(binary, bundles, tmp, 'evicting', host_args=['--max-vats-online', '1'])}
        checks = [(len(one['snapshots']) >= 4, f'snapshots were taken during the sends ({len(one["snapshots"])})')]
        for how, other in others.items():
            for table in one:
                a, b = one[table], other[table]
                first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                detail = '' if a == b else f': first difference at row {first}: {a[first:first + 1]} vs {b[first:first + 1]}'
                checks.append((a == b, f'{table} is the same {how} as in one process{detail}'))
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
