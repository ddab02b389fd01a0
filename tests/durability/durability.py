"""Shared helpers for the durability tests: a rally config on prebuilt bundles, and a host
session over the JSON-lines protocol (tests/golden/driver.py's Host)."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden'))
from driver import Host  # noqa: E402


def write_rally_config(path, bundles, **extra):
    """bootstrap holds alice and bob; bootstrap.rally(n) makes n alice->bob round trips."""
    vat = lambda name: {'bundleSpec': os.path.join(os.path.abspath(bundles), f'{name}.bundle.json')}
    config = {'bootstrap': 'bootstrap', 'defaultManagerType': 'xsnap', 'pinBootstrapRoot': True,
              'vats': {'bootstrap': vat('vat-rally-bootstrap'), 'alice': vat('vat-alice'), 'bob': vat('vat-bob')}}
    config.update(extra)
    with open(path, 'w') as f:
        json.dump(config, f)


def smallcaps(values):
    return {'body': '#' + json.dumps(values, separators=(',', ':')), 'slots': []}


class Session:
    """One host process on a state dir; request() raises on a refused request unless allowed."""

    def __init__(self, binary, state, log, host_args=()):
        self.host = Host([binary, 'host', *host_args], state, log)

    def request(self, op, allow_error=False, **fields):
        reply = self.host.request(dict(op=op, **fields), 600)
        if not reply.get('ok') and not allow_error:
            raise AssertionError(f'{op} failed: {reply.get("error")}')
        return reply

    def send(self, vat, method, args, **kw):
        return self.request('send', target={'vat': vat}, method=method, args=smallcaps(args), **kw)

    def close(self):
        self.request('shutdown')
        self.host.wait()


def report(checks):
    """Prints each (ok, what) check and the closing count; returns the exit code."""
    failed = [what for ok, what in checks if not ok]
    for ok, what in checks:
        print(('ok   ' if ok else 'FAIL ') + what)
    print(f'{len(checks) - len(failed)} passed, {len(failed)} failed')
    return 1 if failed else 0


def dump(db_path):
    """Every row of every swing-store table, to show a DB is untouched."""
    con = sqlite3.connect(db_path)
    try:
        return {t: con.execute(f'SELECT * FROM {t} ORDER BY 1, 2').fetchall()
                for t in ('kvStore', 'transcriptItems', 'transcriptSpans', 'snapshots', 'bundles')}
    finally:
        con.close()
