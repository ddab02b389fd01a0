#!/usr/bin/env python3
"""A vat with thousands of deliveries restarts from its heap snapshot: the next process replays
at most snapshotInterval deliveries of it, and its heap state (counters that live only in the JS
heap) is intact. Also: replayed console output is not printed again.

  snapshot_replay_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sys
import tempfile

from durability import report, Session, write_rally_config

INTERVAL = 200   # SwingSet's default snapshotInterval
ROUND_TRIPS = 1200  # bob gets a ping and a bringOutYourDead per round trip: 2,400 deliveries


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-snapshot-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        write_rally_config(config, bundles, snapshotInterval=INTERVAL)
        log = open(os.path.join(tmp, 'host.log'), 'w')
        s = Session(binary, state, log)
        s.request('init', config=config, argv=[])
        s.request('run')
        rally = s.send('bootstrap', 'rally', [ROUND_TRIPS])
        history = rally['stats']['deliveries']
        s.close()

        s = Session(binary, state, log)
        s.request('open')
        count = s.send('bob', 'count', [])
        stats = count['stats']
        s.close()
        replayed = stats['replayedDeliveries']
        print(f'{history} deliveries before the restart; the restart replayed {replayed} '
              f'({stats["snapshotLoads"]} snapshot loads, {stats["workerSpawns"]} worker spawns)')
        checks = [
            (rally.get('status') == 'fulfilled', 'the rally finished'),
            (history > 2 * ROUND_TRIPS, f'bob alone had more than {2 * ROUND_TRIPS} deliveries'),
            (count.get('result', {}).get('body') == f'#{{"inOrder":true,"pings":{ROUND_TRIPS}}}',
             f'bob\'s heap counters survived: {count.get("result")}'),
            (stats['snapshotLoads'] >= 1, 'workers came back from heap snapshots'),
            # every vat brought back replays at most one span of its own transcript
            (replayed <= INTERVAL * stats['workerSpawns'], f'replayed {replayed} <= {INTERVAL} per vat loaded'),
            (count.get('logs') == [], 'no console output was replayed'),
        ]
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
