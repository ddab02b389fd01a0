#!/usr/bin/env python3
"""One process per state directory. While a host has the directory open, another process (here
the `send` CLI) is refused with exit 1 and "in use by another process", and the DB stays exactly
as it was; once the host is killed (kill -9: the OS drops its lock) the CLI works. A directory
left with only the supervisor cache (swingstore.sqlite deleted) takes a new `init`.

  state_lock_test.py SWINGSET_BINARY
"""
import os
import signal
import sys
import tempfile

from durability import Session, cli_runner, copy_scenario, dump, last_json, prepare, report


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='swingset-state-lock-') as tmp:
        config_path = copy_scenario('dynamic-vats', tmp)
        state = os.path.join(tmp, 'state')
        cli = cli_runner(binary)
        prepare(cli, state, config_path, ['bootstrap', 'createByName', '["c1","counter",100]'])
        db = os.path.join(state, 'swingstore.sqlite')

        with open(os.path.join(tmp, 'host.log'), 'w') as log:
            host = Session(binary, state, log)
            host.request('open')
            reply = host.send('bootstrap', 'increment', ['c1'])
            checks = [(reply.get('status') == 'fulfilled', 'the host opens the directory and counts')]
            before = dump(db)
            p = cli('send', '--state', state, 'bootstrap', 'increment', '["c1"]')
            refused = last_json(p.stdout)
            print(f'second process: exit {p.returncode}: {p.stdout.strip()}')
            checks += [
                (p.returncode == 1 and 'in use by another process' in refused.get('error', ''),
                 'a second process is refused: exit 1, "in use by another process"'),
                (dump(db) == before, 'the refused process changed nothing'),
            ]
            host.host.proc.send_signal(signal.SIGKILL)
            host.host.proc.wait()

        p = cli('send', '--state', state, 'bootstrap', 'increment', '["c1"]')
        after = last_json(p.stdout)
        print(f'after kill -9 of the host: exit {p.returncode}: {p.stdout.strip()}')
        checks.append((p.returncode == 0 and after.get('value') == 102, 'after kill -9 of the host, the CLI counts on: 102'))

        cache = os.path.join(state, 'xsnap-supervisor.cache')
        checks.append((os.path.exists(cache), 'the state directory holds the supervisor cache'))
        for name in os.listdir(state):
            if name.startswith('swingstore.sqlite'):
                os.remove(os.path.join(state, name))
        p = cli('init', '--state', state, config_path)
        print(f'init with only the supervisor cache left: exit {p.returncode}: {p.stdout.strip()}')
        checks.append((p.returncode == 0, 'init takes a directory left with only the supervisor cache'))
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
