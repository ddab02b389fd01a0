#!/usr/bin/env python3
"""A vat that exits with failure, giving a reason that holds an object and a promise it made in
that same delivery, is terminated like any other: the delivery rolls back, so those references
no longer exist, and the kernel must not follow them (SwingSet panics here, so any vat could stop
the kernel). Its reason becomes a plain error; messages to it reject with "vat terminated"; the
refcounts stay consistent; the other vats go on, across a restart.

  exit_reason_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import sys
import tempfile

from durability import refcount_problems, report, Session, started_kernel, write_counters_config


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-exit-reason-') as tmp:
        config = os.path.join(tmp, 'config.json')
        write_counters_config(config, bundles)
        s, state, log = started_kernel(binary, tmp, config)
        s.send('bootstrap', 'create', [2])  # counter0 from 0, counter1 from 1000
        exited = s.send('counter0', 'exitHoldingNewThings', [], allow_error=True)
        after = s.send('bootstrap', 'increment', [0], allow_error=True)
        other = s.send('bootstrap', 'increment', [1], allow_error=True)
        s.close()
        problems = refcount_problems(os.path.join(state, 'swingstore.sqlite'))
        s = Session(binary, state, log)
        s.request('open')
        again = s.send('bootstrap', 'increment', [1], allow_error=True)
        s.close()
        with open(os.path.join(tmp, 'host.log')) as f:
            said = [line.strip() for line in f if 'terminating vat' in line]
        print('\n'.join(said))
        return report([
            (exited.get('ok') is True and exited.get('status') == 'rejected',
             f'the exit is not a kernel panic; its result rejects: {exited}'),
            (any('with failure' in line and 'rolled-back delivery' in line for line in said),
             'the vat is terminated with a plain error for its reason'),
            (after.get('status') == 'rejected' and 'vat terminated' in str(after.get('result')),
             f'a message to it rejects with "vat terminated": {after.get("result")}'),
            (other.get('result', {}).get('body') == '#1001', f'the other vat counts on: {other.get("result")}'),
            (problems == [], f'refcounts are consistent: {problems}'),
            (again.get('result', {}).get('body') == '#1002', f'and after a restart: {again.get("result")}'),
        ])


if __name__ == '__main__':
    sys.exit(main())
