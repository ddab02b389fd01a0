#!/usr/bin/env python3
"""New dynamic vats whose startVat runs ahead of their create-vat crank (VatWarehouse::bearAhead)
come out exactly as if each had started in its crank: the same consensus state (every kvStore row
but local.*), transcripts and heap snapshots as with --no-bear-ahead. The batches mix counters
with a vat whose buildRootObject throws and one that exits during its startVat (its exit is a
syscall that must wait for the crank). Also checks that vats were born ahead at all, and that the
counters count.

  bear_ahead_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sys
import tempfile

from durability import report, Session
from restart_invariance_test import consensus_state

BATCHES = [['counter'] * 4, ['counter', 'broken', 'counter', 'exiter', 'counter'], ['counter'] * 3]


def run(binary, bundles, tmp, name, host_args=()):
    bundle = lambda vat: {'bundleSpec': os.path.join(os.path.abspath(bundles), f'{vat}.bundle.json')}
    config, state = os.path.join(tmp, f'{name}.json'), os.path.join(tmp, name)
    with open(config, 'w') as f:
        json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                   'bundles': {'counter': bundle('vat-counter'), 'broken': bundle('vat-broken-build'),
                               'exiter': bundle('vat-exit-at-start')},
                   'vats': {'bootstrap': bundle('vat-birth-bootstrap')}}, f)
    s = Session(binary, state, open(os.path.join(tmp, f'{name}.log'), 'w'), host_args)
    s.request('init', config=config, argv=[])
    s.request('run')
    value = lambda reply: json.loads(reply['result']['body'][1:])  # plain smallcaps data
    created = [value(s.send('bootstrap', 'create', [batch])) for batch in BATCHES]
    reply = s.send('bootstrap', 'incrementAll', [])
    s.close()
    return created, value(reply), reply['stats'].get('bornAhead'), consensus_state(os.path.join(state, 'swingstore.sqlite'))


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-bear-ahead-') as tmp:
        created, counts, born, ahead = run(binary, bundles, tmp, 'ahead')
        created_off, counts_off, born_off, in_crank = run(binary, bundles, tmp, 'in-crank', ['--no-bear-ahead'])
    # vat-birth-bootstrap.js: the vat made n-th starts counting at 1000 * n.
    made = [name for batch in BATCHES for name in batch]
    starts = [1000 * n for n, name in enumerate(made) if name == 'counter']
    vats = len(made) + 2  # with the static bootstrap and vatAdmin vats
    outcomes = [r if r == 'ok' else r.split(':')[0] for batch in created for r in batch]
    checks = [
        (outcomes == ['ok' if n == 'counter' else 'rejected' for batch in BATCHES for n in batch],
         f'every counter was created, the broken and the exiting vat were refused ({created})'),
        (counts == [start + 1 for start in starts], f'each counter counts on from its vatParameters ({counts})'),
        (born == vats, f'every vat, static ones included, was born ahead of its crank ({born} of {vats})'),
        (born_off == 0, f'none with --no-bear-ahead ({born_off})'),
        ((created_off, counts_off) == (created, counts), 'the same results with --no-bear-ahead'),
    ]
    for part in ('kvStore', 'transcriptItems', 'snapshots'):
        checks.append((ahead[part] == in_crank[part], f'the same {part} with --no-bear-ahead ({len(ahead[part])} rows)'))
    return report(checks)


if __name__ == '__main__':
    sys.exit(main())
