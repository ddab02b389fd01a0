#!/usr/bin/env python3
"""A worker that dies between deliveries is brought back transparently (from its snapshot plus
transcript): kill -9 bob's xsnap process while the kernel is idle, then message bob again; the
reply comes with bob's heap state intact and the vat is not terminated.

  worker_death_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

from durability import report, Session, write_rally_config


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-death-') as tmp:
        config, state = os.path.join(tmp, 'config.json'), os.path.join(tmp, 'state')
        write_rally_config(config, bundles)
        s = Session(binary, state, open(os.path.join(tmp, 'host.log'), 'w'))
        s.request('init', config=config, argv=[])
        s.request('run')
        before = s.send('bootstrap', 'rally', [5])['stats']['workerSpawns']
        # the host's xsnap children are named "<vatID>:<vat name>" in argv[1]
        pids = subprocess.run(['pgrep', '-P', str(s.host.proc.pid), '-f', ':bob'], stdout=subprocess.PIPE,
                              text=True).stdout.split()
        for pid in pids:
            os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.2)
        after = s.send('bootstrap', 'rally', [3])
        count = s.send('bob', 'count', [])
        s.close()
        checks = [
            (len(pids) == 1, f'found bob\'s worker process ({pids})'),
            (after.get('status') == 'fulfilled', f'the next rally worked: {after.get("result")}'),
            (count.get('result', {}).get('body') == '#{"inOrder":true,"pings":8}', f'bob kept his heap: {count.get("result")}'),
            (after['stats']['workerSpawns'] > before, 'a new worker was started for bob'),
        ]
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
