#!/usr/bin/env python3
"""maxVatsOnline below the number of busy vats: the least recently used vat goes offline and
comes back from its last snapshot plus a replay of the span since (at most snapshotInterval
deliveries; an eviction takes no snapshot of its own: restart_invariance_test.py says why). Heap
state must come through every eviction intact, in this process and after a restart.

  eviction_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sys
import tempfile

from durability import report, Session, write_rally_config

INTERVAL = 40       # snapshotInterval: no reload replays more than this
ROUND_TRIPS = 150


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-eviction-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        write_rally_config(config, bundles, snapshotInterval=INTERVAL)
        log = open(os.path.join(tmp, 'host.log'), 'w')
        s = Session(binary, state, log)
        s.request('init', config=config, argv=[])
        s.request('run')
        s.close()

        # One vat online at a time: every alice<->bob hop evicts the other one.
        s = Session(binary, state, log, host_args=['--max-vats-online', '1'])
        s.request('open')
        rally = s.send('bootstrap', 'rally', [ROUND_TRIPS])
        stats = rally['stats']
        s.close()

        s = Session(binary, state, log)
        s.request('open')
        count = s.send('bob', 'count', [])
        after = count['stats']
        s.close()
        print(f'evicting run: {stats}; after restart: {after}')
        checks = [
            (rally.get('status') == 'fulfilled', 'the rally finished with one vat online at a time'),
            (stats['workerSpawns'] > ROUND_TRIPS, f'alice and bob went offline and came back ({stats["workerSpawns"]} spawns)'),
            (stats['replayedDeliveries'] <= (INTERVAL + 2) * stats['workerSpawns'],
             f'no reload replayed more than a span ({stats["replayedDeliveries"]} deliveries over {stats["workerSpawns"]} spawns)'),
            (count.get('result', {}).get('body') == f'#{{"inOrder":true,"pings":{ROUND_TRIPS}}}',
             f'bob\'s heap counters survived every eviction and a restart: {count.get("result")}'),
        ]
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
