#!/usr/bin/env python3
"""A createVat that fails (its buildRootObject throws) releases what its vatParameters held: the
create-vat event is consumed and its delivery rolled back, and the object it carried is then held
by nobody, as the kvStore's refcounts must say (SwingSet leaks that reference). The same object
given to a vat that starts stays held by that vat's vatParameters, until that vat exits and its
cleanup deletes them (SwingSet leaks that one too).

  failed_creation_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sys
import tempfile

from durability import refcount_problems, report, started_kernel


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-failed-creation-') as tmp:
        config = os.path.join(tmp, 'config.json')
        bundle = lambda vat: {'bundleSpec': os.path.join(os.path.abspath(bundles), f'{vat}.bundle.json')}
        with open(config, 'w') as f:
            json.dump({'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
                       'bundles': {'counter': bundle('vat-counter'), 'broken': bundle('vat-broken-build')},
                       'vats': {'bootstrap': bundle('vat-birth-bootstrap')}}, f)
        s, state, _ = started_kernel(binary, tmp, config)
        broken = s.send('bootstrap', 'createHolding', ['broken'])
        counter = s.send('bootstrap', 'createHolding', ['counter'])
        db = os.path.join(state, 'swingstore.sqlite')
        problems = refcount_problems(db)
        s.send('counter-holding', 'exit', ['done'])
        gone = s.send('counter-holding', 'increment', [], allow_error=True)
        s.close()
        after_exit = refcount_problems(db)
        return report([
            ('rejected' in broken.get('result', {}).get('body', ''), f'the broken vat\'s createVat rejects: {broken.get("result")}'),
            (counter.get('result', {}).get('body') == '#"ok"', f'the counter is created: {counter.get("result")}'),
            (problems == [], f'every refcount matches its holders: {problems}'),
            (gone.get('ok') is False, f'the counter exits: {gone.get("error")}'),
            (after_exit == [], f'and after its cleanup: {after_exit}'),
        ])


if __name__ == '__main__':
    sys.exit(main())
