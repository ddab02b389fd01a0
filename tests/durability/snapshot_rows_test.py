#!/usr/bin/env python3
"""Every heap snapshot a vat's transcript records has its row in the snapshots table, however fast
its gzip was made. A snapshot is compressed on another thread and stored between cranks; when the
vat was upgraded in the very next cranks, before the gzip was done, the row used to be dropped, so
whether it existed depended on thread timing; so it was when the vat's next snapshot came first.
Here a vat snapshots after every delivery, in bursts, and each upgrade runs right after a snapshot.

  snapshot_rows_test.py SWINGSET_BINARY
"""
import os
import sqlite3
import sys
import tempfile

from durability import Session, copy_scenario, report, smallcaps

ROUNDS = 4
BURST = 8


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='swingset-snapshot-rows-') as tmp:
        # A snapshot after every delivery: each one supersedes the one before within a crank or
        # two, and the increment queued before each upgrade takes one just before it.
        config = copy_scenario('upgrade', tmp, snapshotInitial=1, snapshotInterval=1)
        state = os.path.join(tmp, 'state')
        s = Session(binary, state, open(os.path.join(tmp, 'host.log'), 'w'))
        s.request('init', config=config, argv=[])
        s.request('run')
        checks = []
        created = s.send('bootstrap', 'create', ['up', 'v1', 10])
        checks.append((created.get('status') == 'fulfilled', f'created the vat: {created.get("result")}'))
        for _ in range(BURST):
            s.request('queue', target={'vat': 'bootstrap'}, method='increment', args=smallcaps(['up']))
        s.request('run')
        for i in range(ROUNDS):
            s.request('queue', target={'vat': 'bootstrap'}, method='increment', args=smallcaps(['up']))
            up = s.send('bootstrap', 'upgrade', ['up', 'v2', {'step': 100}, f'round {i}'])
            checks.append((up.get('status') == 'fulfilled' and '"fulfilled"' in up['result']['body'],
                           f'upgrade {i + 1} right after an increment: {up.get("result")}'))
        s.close()

        db = sqlite3.connect(os.path.join(state, 'swingstore.sqlite'))
        recorded = dict(db.execute(
            "SELECT vatID, COUNT(*) FROM transcriptItems WHERE item LIKE '{\"d\":[\"save-snapshot\"]%' GROUP BY vatID"))
        rows = dict(db.execute('SELECT vatID, COUNT(*) FROM snapshots GROUP BY vatID'))
        in_use = dict(db.execute('SELECT vatID, COUNT(*) FROM snapshots WHERE inUse = 1 GROUP BY vatID'))
        db.close()
        checks.append((len(recorded) >= 2, f'vats with snapshots: {sorted(recorded)}'))
        up_vat = max(recorded, key=lambda v: int(v[1:]))  # the newest vat: 'up'
        checks.append((recorded[up_vat] > BURST + ROUNDS, f'{up_vat} took {recorded[up_vat]} snapshots over {ROUNDS + 1} incarnations'))
        for vat in sorted(recorded):
            checks.append((rows.get(vat, 0) == recorded[vat],
                           f'{vat}: {recorded[vat]} save-snapshot entries, {rows.get(vat, 0)} snapshot rows'))
            checks.append((in_use.get(vat, 0) <= 1, f'{vat}: at most one snapshot in use ({in_use.get(vat, 0)})'))
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
