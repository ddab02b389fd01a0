#!/usr/bin/env python3
"""A vat with thousands of deliveries restarts from its heap snapshot: the next process replays
at most snapshotInterval deliveries of it, and its heap state (counters that live only in the JS
heap) is intact. Also: replayed console output is not printed again, unless the host runs with
--replay-console; then it comes with the first request that needs the vat, before the vat's new
lines (the vat is preloaded at open, on another thread than the host's).

  snapshot_replay_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sys
import tempfile

from durability import report, Session, write_counters_config, write_rally_config

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
        checks += console_checks(binary, bundles, tmp, log)
        return report(checks)


def console_checks(binary, bundles, tmp, log):
    """A dynamic counter vat (it logs 'increment N') incremented 5 times, then two restarts."""
    config, state = os.path.join(tmp, 'counter.json'), os.path.join(tmp, 'counter-state')
    write_counters_config(config, bundles)
    s = Session(binary, state, log)
    s.request('init', config=config, argv=[])
    s.request('run')
    s.send('bootstrap', 'create', [1])
    for _ in range(5):
        s.send('bootstrap', 'increment', [0])
    s.close()
    lines = lambda reply: [l['line'] for l in reply.get('logs', []) if l.get('vat') == 'counter0']

    s = Session(binary, state, log)
    s.request('open')
    quiet = s.send('bootstrap', 'increment', [0])
    s.close()
    s = Session(binary, state, log, ['--replay-console'])
    opened = s.request('open')
    loud = s.send('bootstrap', 'increment', [0])
    s.close()
    replayed = [l for l in lines(loud) if l != 'increment 7']
    print(f'counter0 logs after a restart: {lines(quiet)}; with --replay-console: {lines(opened)} at open, '
          f'{lines(loud)} with the increment')
    return [
        (lines(quiet) == ['increment 6'], 'a restart does not print the replayed console lines again'),
        (lines(opened) == [], 'with --replay-console, nothing is printed with the open request'),
        (lines(loud)[-1:] == ['increment 7'] and replayed and
         replayed == [f'increment {k}' for k in range(7 - len(replayed), 7)],
         'with --replay-console, the replayed lines come first, in order, then the new one'),
    ]


if __name__ == '__main__':
    sys.exit(main())
