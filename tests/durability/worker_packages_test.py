#!/usr/bin/env python3
"""A broken worker package (the lockdown or supervisor bundle every vat's worker starts with) stops
the kernel with an error that names the file, and commits nothing: once the file is mended, the
same state directory initializes and runs. A package that changed under an existing kernel does
not change its vats: each starts from the bundles it recorded, kept in the bundle store. The bundles are parsed only when a worker must evaluate
them, so this checks that the error still comes, and still says what and where.

  worker_packages_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sys
import tempfile

from durability import LOCKDOWN, SUPERVISOR, cli_runner, fake_js_dir, last_json, report, write_rally_config

def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-worker-packages-') as tmp:
        js = os.path.join(tmp, 'js')
        fake_js_dir(js)
        config = os.path.join(tmp, 'config.json')
        write_rally_config(config, bundles)
        cli = cli_runner(binary, dict(os.environ, SWINGSET_JS_DIR=js))

        def broken(rel, text):
            """Writes `text` over the package file; returns a function that puts it back."""
            path = os.path.join(js, rel)
            good = open(path, 'rb').read()
            with open(path, 'w') as f:
                f.write(text)
            return lambda: open(path, 'wb').write(good)

        def refused(p, rel, says, code):
            out = p.stdout + p.stderr
            return p.returncode == code and os.path.join(js, rel) in out and says in out

        def answers(state):
            p = cli('send', '--state', state, 'bob', 'count', '[]')
            return last_json(p.stdout).get('value') == {'pings': 0, 'inOrder': True}

        checks = []
        # A new kernel refuses a broken package at init (exit 1, a refused request).
        cases = [
            (SUPERVISOR, json.dumps({'moduleFormat': 'nestedEvaluate'}), 'is not a bundle with a `source` string'),
            (LOCKDOWN, json.dumps({'moduleFormat': 'endoZipBase64', 'source': 'x'}), "has moduleFormat 'endoZipBase64'"),
            (SUPERVISOR, 'not JSON {', 'is not a bundle with a `source` string'),
        ]
        for i, (rel, text, says) in enumerate(cases):
            state = os.path.join(tmp, f'new{i}')
            mend = broken(rel, text)
            p = cli('init', '--state', state, config)
            checks.append((refused(p, rel, says, 1), f'init with {os.path.basename(rel)} {text[:30]!r}: refused, '
                                                      f'naming the file ({p.returncode}: {(p.stdout + p.stderr).strip()[-240:]})'))
            mend()
            ok = all(cli(*args).returncode == 0 for args in (['init', '--state', state, config], ['run', '--state', state]))
            checks.append((ok and answers(state), 'mended, the same directory initializes, runs and answers'))

        # A kernel made with good packages, whose supervisor bundle then changes (here: breaks):
        # its vats recorded the bundle IDs they were made with, and start from those, out of the
        # bundle store, as SwingSet's do: never on other code than they were made with.
        state = os.path.join(tmp, 'later')
        p = cli('init', '--state', state, config)
        assert p.returncode == 0, p.stderr
        mend = broken(SUPERVISOR, json.dumps({'moduleFormat': 'nestedEvaluate'}))
        p = cli('run', '--state', state)
        checks.append((p.returncode == 0 and answers(state),
                       f'run with the supervisor bundle changed: the vats start from the bundles they recorded '
                       f'({p.returncode}: {(p.stdout + p.stderr).strip()[-240:]})'))
        mend()
        checks.append((answers(state), 'and with it mended, they go on'))
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
