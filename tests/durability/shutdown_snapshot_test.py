#!/usr/bin/env python3
"""A host that shuts down with everything committed first saves the heaps of the online vats
whose span since their last snapshot is long (>= snapshotInterval / 4), so the next process
loads them without replaying; their heap state is intact. A host that shuts down with uncommitted
writes (a queued message) commits nothing at all, not even those snapshots.

  shutdown_snapshot_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sys
import tempfile

from durability import dump, report, Session, smallcaps, write_rally_config

INTERVAL = 200   # SwingSet's default snapshotInterval: a span of 50 is long
ROUND_TRIPS = 40  # bob gets a ping and a bringOutYourDead per round trip: a span of ~80


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-shutdown-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        db = os.path.join(state, 'swingstore.sqlite')
        write_rally_config(config, bundles, snapshotInterval=INTERVAL)
        log = open(os.path.join(tmp, 'host.log'), 'w')

        s = Session(binary, state, log)
        s.request('init', config=config, argv=[])
        s.request('run')
        rally = s.send('bootstrap', 'rally', [ROUND_TRIPS])
        committed = dump(db)
        s.request('queue', target={'vat': 'bob'}, method='ping', args=smallcaps([ROUND_TRIPS + 1]))
        s.close()
        untouched = dump(db) == committed

        s = Session(binary, state, log)
        s.request('open')
        before = s.send('bob', 'count', [])
        s.close()  # all committed: saves bob's (and alice's) long spans

        s = Session(binary, state, log)
        s.request('open')
        after = s.send('bob', 'count', [])
        s.close()

        want = f'#{{"inOrder":true,"pings":{ROUND_TRIPS}}}'
        replayed_before = before['stats']['replayedDeliveries']
        replayed_after = after['stats']['replayedDeliveries']
        print(f'replayed after a shutdown with uncommitted writes: {replayed_before}; '
              f'after a clean shutdown: {replayed_after}')
        checks = [
            (rally.get('status') == 'fulfilled', 'the rally finished'),
            (untouched, 'a shutdown with a queued, uncommitted message left the DB exactly as committed'),
            (before.get('result', {}).get('body') == want, f'the queued ping was never delivered: {before.get("result")}'),
            (replayed_before >= INTERVAL // 4, f'without a shutdown snapshot the long spans replayed ({replayed_before})'),
            (after.get('result', {}).get('body') == want, f'bob\'s heap survived the shutdown snapshot: {after.get("result")}'),
            (after['stats']['snapshotLoads'] >= 1, 'bob came back from a heap snapshot'),
            (replayed_after <= 4, f'after a clean shutdown almost nothing replayed ({replayed_after})'),
        ]
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
