#!/usr/bin/env python3
"""Crash test: kill -9 the swingset CLI at random moments and resume.

Three workloads, each a sequence of commands (one process each): rallies between two static vats;
dynamic vats, created through vat-admin, messaged, one of them exiting, then messaged again; and
a dynamic vat upgraded (a failed upgrade that rolls back, then a good one) and terminated.
A clean run of a workload records the committed activity hash and a copy of the state dir after
every command. Then each trial starts from the clean run's copy from just before a randomly
chosen command (the commands before it would only redo the clean run), SIGKILLs that command
after a random delay, and checks that:
  - the state reopens and its activity hash is the one committed by the previous command, or by
    the killed one if it had already committed (never anything in between);
  - re-running the killed command (when it had not committed) and finishing the sequence gives
    the same results and the same final activity hash as the clean run.
Trials per workload: $SWINGSET_CRASH_TRIALS (default 8 for CI; use 200 or more for the long mode).

  kill_resume_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

RALLIES = 6


def rally_config(bundles, folder):
    """Alice and Bob rally; snapshots come often, so kills land around them too."""
    vat = lambda name: {'bundleSpec': os.path.join(bundles, f'{name}.bundle.json')}
    return {'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
            'snapshotInitial': 2, 'snapshotInterval': 20,
            'vats': {'bootstrap': vat('vat-rally-bootstrap'), 'alice': vat('vat-alice'), 'bob': vat('vat-bob')}}


def rally_commands(state):
    return [['send', '--state', state, 'bootstrap', 'rally', json.dumps([5 + i])] for i in range(RALLIES)]


def dynamic_config(bundles, folder):
    """The bootstrap vat makes counter vats by bundle name; kills land in createVat, in a vat's
    exit and in the cleanup of its state after it."""
    config = rally_config(bundles, folder)
    config['vats'] = {'bootstrap': {'bundleSpec': os.path.join(bundles, 'vat-many-bootstrap.bundle.json')}}
    config['bundles'] = {'counter': {'bundleSpec': os.path.join(bundles, 'vat-counter.bundle.json')}}
    return config


def dynamic_commands(state):
    send = lambda *args: ['send', '--state', state, *args]
    return [send('bootstrap', 'create', '[2]'), send('bootstrap', 'increment', '[0]'),
            send('bootstrap', 'create', '[1]'), send('bootstrap', 'incrementAll', '[]'),
            send('counter1', 'exit', '["done"]'), send('bootstrap', 'incrementAll', '[]'),
            send('bootstrap', 'increment', '[2]')]


def upgrade_config(bundles, folder):
    """tests/scenarios/upgrade's vats (bundled at init): kills land in upgrades, one that fails
    and rolls back and one that succeeds, and in a termination."""
    scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scenarios', 'upgrade')
    for f in glob.glob(os.path.join(scenario, '*.js')):
        shutil.copy(f, folder)
    with open(os.path.join(scenario, 'config.json')) as f:
        config = json.load(f)
    config.update(snapshotInitial=2, snapshotInterval=20)
    return config


def upgrade_commands(state):
    send = lambda method, *args: ['send', '--state', state, 'bootstrap', method, json.dumps(list(args))]
    return [send('create', 'up', 'v1', 10), send('increment', 'up'), send('keepThing', 'up'),
            send('upgrade', 'up', 'broken', {}, 'try broken'), send('increment', 'up'),
            send('upgrade', 'up', 'v2', {'step': 100}, 'to v2'), send('increment', 'up'),
            send('terminate', 'up', 'bye'), send('outcome', 'up')]


WORKLOADS = [('rally', rally_config, rally_commands), ('dynamic vats', dynamic_config, dynamic_commands),
             ('upgrade', upgrade_config, upgrade_commands)]


def run(binary, args):
    p = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=300)
    out = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else None
    return p.returncode, out


def status(binary, state, why=None):
    """The committed activity hash, or None; `why` (a list) gets what a failed status said."""
    rc, out = run(binary, ['status', '--state', state])
    if rc != 0:
        if why is not None:
            why.append(f'status exited {rc}: {out}')
        return None
    return out['activityHash']


def crash_trials(binary, tmp, name, config, workload, trials, rng):
    """The clean run of one workload, then `trials` killed and resumed runs; returns failures."""
    def commands(state):
        return [['init', '--state', state, config], ['run', '--state', state], *workload(state)]

    clean = os.path.join(tmp, 'clean')
    hashes, results, durations = [None], [], []
    for k, cmd in enumerate(commands(clean)):
        t = time.monotonic()
        rc, out = run(binary, cmd)
        durations.append(time.monotonic() - t)
        assert rc == 0, f'{name}: clean run: {cmd} failed: {out}'
        results.append(out)
        hashes.append(status(binary, clean))
        shutil.copytree(clean, os.path.join(tmp, f'after{k}'))
    failures = 0
    for trial in range(trials):
        label = f'{name} trial {trial}'
        state = os.path.join(tmp, f't{trial}')
        cmds = commands(state)
        victim = rng.randrange(len(cmds))
        delay = rng.uniform(0, durations[victim] * 1.2)
        if victim > 0:
            shutil.copytree(os.path.join(tmp, f'after{victim - 1}'), state)
        for k, cmd in enumerate(cmds):
            if k < victim:
                continue
            if k != victim:
                rc, out = run(binary, cmd)
                if rc != 0 or out != results[k]:
                    print(f'{label}: command {k} {cmd[0]} gave {out}, clean run gave {results[k]}')
                    failures += 1
                    break
                continue
            p = subprocess.Popen([binary] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.kill()
            p.wait()
            why = []
            h = status(binary, state, why) if os.path.exists(os.path.join(state, 'swingstore.sqlite')) else None
            if h == hashes[k + 1]:
                outcome = 'committed before the kill'
            elif h == hashes[k] or (k == 0 and h is None):
                outcome = 'rolled back to the last commit'
                rc, out = run(binary, cmd)
                if rc != 0 or out != results[k]:
                    print(f'{label}: re-running {cmd[0]} after the kill gave {out}, clean run gave {results[k]}')
                    failures += 1
                    break
            else:
                print(f'{label}: after killing {cmd[0]} (command {k}) at {delay:.3f}s the state has hash {h}; '
                      f'expected {hashes[k]} (last commit) or {hashes[k + 1]}' + ''.join(f'; {w}' for w in why))
                failures += 1
                break
        else:
            final = status(binary, state)
            if final != hashes[-1]:
                print(f'{label}: killed {cmds[victim][0]} (command {victim}) after {delay:.3f}s: '
                      f'{outcome}; final activity hash {final} differs from the clean run {hashes[-1]}')
                failures += 1
            else:
                print(f'{label}: killed {cmds[victim][0]} (command {victim}) after {delay:.3f}s: '
                      f'{outcome}; resumed to the clean final state')
        shutil.rmtree(state, ignore_errors=True)
    return failures


def main():
    binary, bundles = sys.argv[1], os.path.abspath(sys.argv[2])
    trials = int(os.environ.get('SWINGSET_CRASH_TRIALS', '8'))
    seed = int(os.environ.get('SWINGSET_CRASH_SEED', str(int(time.time()))))
    rng = random.Random(seed)
    print(f'crash test: {trials} trials per workload, seed {seed} (set SWINGSET_CRASH_SEED to repeat)')
    failures = 0
    for name, make_config, workload in WORKLOADS:
        tmp = tempfile.mkdtemp(prefix='swingset-crash-')
        try:
            config = os.path.join(tmp, 'config.json')
            with open(config, 'w') as f:
                json.dump(make_config(bundles, tmp), f)
            failures += crash_trials(binary, tmp, name, config, workload, trials, rng)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f'{trials * len(WORKLOADS) - failures} passed, {failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
