#!/usr/bin/env python3
"""A dead worker is not the vat's fault, and never consensus state.

- Between deliveries it is brought back transparently (from its snapshot plus transcript): kill -9
  bob's xsnap process while the kernel is idle, then message bob again; the reply comes with bob's
  heap state intact and the vat is not terminated.
- In the middle of a delivery (a runaway loop, so the moment is certain), it is a kernel panic, as
  in SwingSet: nothing is committed, and a new host finds the vat alive with its state.
- A worker silent longer than --worker-hang-timeout in a delivery is killed: the same panic.

  worker_death_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from durability import dump, last_json, report, Session, started_kernel, write_counters_config, write_rally_config


def worker_pids(session, vat_name):
    """The host's xsnap children are named "<vatID>:<vat name>" in argv[1]."""
    return subprocess.run(['pgrep', '-P', str(session.host.proc.pid), '-f', f':{vat_name}( |$)'],
                          stdout=subprocess.PIPE, text=True).stdout.split()


def between_deliveries(binary, bundles):
    with tempfile.TemporaryDirectory(prefix='swingset-death-') as tmp:
        config = os.path.join(tmp, 'config.json')
        write_rally_config(config, bundles)
        s, state, _ = started_kernel(binary, tmp, config)
        before = s.send('bootstrap', 'rally', [5])['stats']['workerSpawns']
        pids = worker_pids(s, 'bob')
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
        return checks


def mid_delivery(binary, bundles):
    with tempfile.TemporaryDirectory(prefix='swingset-death-') as tmp:
        config = os.path.join(tmp, 'config.json')
        write_counters_config(config, bundles)
        s, state, log = started_kernel(binary, tmp, config)
        s.send('bootstrap', 'create', [1])  # counter0, counting from 0
        s.send('counter0', 'increment', [])
        s.send('counter0', 'increment', [])
        committed = dump(os.path.join(state, 'swingstore.sqlite'))
        replies = []
        spin = threading.Thread(target=lambda: replies.append(s.send('counter0', 'spin', [], allow_error=True)))
        spin.start()
        pids = []
        for _ in range(100):  # the counter's worker is online: the delivery begins at once
            time.sleep(0.05)
            pids = worker_pids(s, 'counter0')
            if pids:
                break
        time.sleep(0.3)
        for pid in pids:
            os.kill(int(pid), signal.SIGKILL)
        if not pids:
            s.host.kill()  # else it spins forever
        spin.join(60)
        s.host.wait()
        after = dump(os.path.join(state, 'swingstore.sqlite'))
        s = Session(binary, state, log)
        s.request('open')
        count = s.send('counter0', 'increment', [])
        s.close()
        reply = replies[0] if replies else {}
        return [
            (len(pids) == 1, f'found the counter\'s worker process ({pids})'),
            (reply.get('fatal') is True and 'counter0' in reply.get('error', ''),
             f'a worker killed mid-delivery is a kernel panic naming the vat: {reply}'),
            (after == committed, 'the panicked crank committed nothing'),
            (count.get('result', {}).get('body') == '#3', f'a new host finds the counter alive, at 2: {count.get("result")}'),
        ]


def hung(binary, bundles):
    """A runaway loop with --worker-hang-timeout: the worker is killed, the kernel panics naming
    the vat, and nothing is committed."""
    with tempfile.TemporaryDirectory(prefix='swingset-death-') as tmp:
        config = os.path.join(tmp, 'config.json')
        write_counters_config(config, bundles)
        s, state, _ = started_kernel(binary, tmp, config)
        s.send('bootstrap', 'create', [1])
        s.close()
        committed = dump(os.path.join(state, 'swingstore.sqlite'))
        p = subprocess.run([binary, 'send', '--state', state, '--worker-hang-timeout', '1000', 'counter0', 'spin'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        out = last_json(p.stdout)
        after = dump(os.path.join(state, 'swingstore.sqlite'))
        again = subprocess.run([binary, 'send', '--state', state, 'counter0', 'increment'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        return [
            (p.returncode == 2 and out.get('fatal') and 'counter0' in out.get('error', '') and 'hung' in out.get('error', ''),
             f'a worker silent past --worker-hang-timeout is killed, a kernel panic naming the vat (exit {p.returncode}): {out}'),
            (after == committed, 'the hung crank committed nothing'),
            (last_json(again.stdout).get('value') == 1, f'the next run finds the counter alive: {again.stdout.strip()}'),
        ]


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    return report(between_deliveries(binary, bundles) + mid_delivery(binary, bundles) + hung(binary, bundles))


if __name__ == '__main__':
    sys.exit(main())
