#!/usr/bin/env python3
"""Every bringOutYourDead zeroes a vat's reap counters, as SwingSet's deliverToVat does: not only
the reap's own but the one before each heap snapshot and the one an upgrade makes. Here reaps
are rare (every 1000 deliveries) and snapshots frequent, so a vat's reapDirt says which it was.

  reap_dirt_test.py SWINGSET_BINARY
"""
import json
import os
import sqlite3
import sys
import tempfile

from durability import Session, copy_scenario, report


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='swingset-reap-dirt-') as tmp:
        config = copy_scenario('upgrade', tmp, snapshotInitial=1, snapshotInterval=1, defaultReapInterval=1000)
        state = os.path.join(tmp, 'state')
        s = Session(binary, state, open(os.path.join(tmp, 'host.log'), 'w'))
        s.request('init', config=config, argv=[])
        s.request('run')
        db_path = os.path.join(state, 'swingstore.sqlite')

        def dirt_of_newest():
            db = sqlite3.connect(db_path)
            try:
                vats = [k for (k,) in db.execute("SELECT key FROM kvStore WHERE key LIKE 'v%.reapDirt'")]
                newest = max(vats, key=lambda k: int(k[1:].split('.')[0]))
                return newest.split('.')[0], json.loads(db.execute('SELECT value FROM kvStore WHERE key = ?', (newest,)).fetchone()[0])
            finally:
                db.close()

        checks = []
        s.send('bootstrap', 'create', ['up', 'v1', 10])
        for _ in range(4):
            s.send('bootstrap', 'increment', ['up'])
        vat, dirt = dirt_of_newest()
        # Each increment: a snapshot (bringOutYourDead first, which clears), then its own delivery counted.
        checks.append((dirt == {'deliveries': 1}, f'{vat} after 4 increments, each followed by a snapshot: reapDirt {dirt}'))
        up = s.send('bootstrap', 'upgrade', ['up', 'v2', {'step': 100}, 'to v2'])
        checks.append((up.get('status') == 'fulfilled', f'upgraded: {up.get("result")}'))
        vat, dirt = dirt_of_newest()
        # The upgrade's bringOutYourDead clears; its startVat adds no dirt.
        checks.append((dirt == {}, f'{vat} after its upgrade: reapDirt {dirt}'))
        s.close()
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
