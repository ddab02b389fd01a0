#!/usr/bin/env python3
"""Malformed host requests are refused, one by one, with an error that names what is wrong; the
host keeps serving, nothing is committed for them, and the kernel works afterwards. (Fields of the
wrong JSON type used to end the host process with an uncaught exception.)

  bad_requests_test.py SWINGSET_BINARY TEST_BUNDLE_DIR
"""
import json
import os
import sys
import tempfile

from durability import Session, dump, report, started_kernel, write_rally_config

# (raw request line, what its error must say)
BAD = [
    ('not json at all', 'not a JSON object'),
    ('[1, 2]', 'not a JSON object'),
    ('{"op": 1}', "field 'op' must be a string"),
    ('{"op": "nope"}', "unknown op 'nope'"),
    ('{"op": "send", "target": {"vat": 5}, "method": "count"}', "field 'vat' must be a string"),
    ('{"op": "send", "target": {"kref": ["ko1"]}, "method": "count"}', "field 'kref' must be a string"),
    ('{"op": "send", "target": "bob", "method": "count"}', 'send needs target'),
    ('{"op": "send", "target": {"vat": "bob"}, "method": 7}', "field 'method' must be a string"),
    ('{"op": "send", "target": {"vat": "nobody"}, "method": "count"}', "unknown vat 'nobody'"),
    ('{"op": "send", "target": {"vat": "bob"}, "method": "count", "args": {"body": "#[", "slots": []}}', 'capdata'),
    ('{"op": "installBundle", "bundle": {"path": "x"}}', "field 'bundle' must be a string"),
    ('{"op": "installBundle"}', "needs the string field 'bundle'"),
    ('{"op": "send", "target": {"vat": "bob"}}', "needs the string field 'method'"),
    ('{"op": "open"}', 'already open'),
]


def main():
    binary, bundles = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix='swingset-bad-requests-') as tmp:
        config = os.path.join(tmp, 'config.json')
        write_rally_config(config, bundles)
        s, state, _ = started_kernel(binary, tmp, config)
        s.send('bootstrap', 'rally', [2])
        before = dump(os.path.join(state, 'swingstore.sqlite'))
        checks = []
        # A bundle of a format SwingSet's checkBundle refuses (ours would give it a b0- ID).
        nested = os.path.join(tmp, 'nested.bundle.json')
        with open(nested, 'w') as f:
            json.dump({'moduleFormat': 'nestedEvaluate', 'source': '() => 1', 'sourceMap': ''}, f)
        bad = BAD + [(json.dumps({'op': 'installBundle', 'bundle': nested}), 'not endoZipBase64')]
        for raw, said in bad:
            try:
                s.host.proc.stdin.write(raw + '\n')
                s.host.proc.stdin.flush()
                reply = json.loads(s.host.lines.get(timeout=60) or '{}')
            except BrokenPipeError:  # the host died on an earlier line
                reply = {}
            error = reply.get('error', '')
            checks.append((reply.get('ok') is False and said in error and 'fatal' not in reply,
                           f'{raw}: refused, not fatal, saying "{said}" ({error})'))
        checks.append((dump(os.path.join(state, 'swingstore.sqlite')) == before, 'nothing was committed for them'))
        count = s.send('bob', 'count', [])
        body = count.get('result', {}).get('body', '#null')
        checks.append((json.loads(body[1:]) == {'pings': 2, 'inOrder': True},
                       f'the kernel works afterwards: {count.get("result")}'))
        s.close()

        # A config without a bootstrap vat is refused at init, naming the field, and leaves no store.
        no_boot = os.path.join(tmp, 'no-bootstrap.json')
        with open(config) as f:
            cfg = json.load(f)
        del cfg['bootstrap']
        with open(no_boot, 'w') as f:
            json.dump(cfg, f)
        state2 = os.path.join(tmp, 'state2')
        s2 = Session(binary, state2, open(os.path.join(tmp, 'host2.log'), 'w'))
        reply = s2.request('init', allow_error=True, config=no_boot, argv=[])
        error = reply.get('error', '')
        checks.append((reply.get('ok') is False and 'bootstrap: required' in error and 'fatal' not in reply,
                       f'init without a bootstrap vat: refused, not fatal ({error})'))
        checks.append((not os.path.exists(os.path.join(state2, 'swingstore.sqlite')), 'and it made no store'))
        s2.close()
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
