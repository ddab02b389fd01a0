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

from durability import dump, report, started_kernel, write_rally_config

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
        for raw, said in BAD:
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
        return report(checks)


if __name__ == '__main__':
    sys.exit(main())
