#!/usr/bin/env python3
"""Scenario driver for the host protocol (shared/docs/host-protocol.md). Stdlib only.

Runs one scenario script against one host command on a fresh state directory and writes a
normalized JSON record of every reply, so that the same script run against the JS reference
(node bench/reference/js-host.mjs) and against swingset-cpp (build/src/cli/swingset host) can be
diffed.

  driver.py run --host "node bench/reference/js-host.mjs" \
      --scenario tests/golden/scenarios/pingpong/script.json --out /tmp/pingpong.js.json
  driver.py compare /tmp/pingpong.js.json /tmp/pingpong.cpp.json

The host command gets `--state DIR` appended. Scenario script: a JSON list of steps (or an object
{"steps": [...]}); paths in steps are relative to the script's folder.
  {"op": "init", "config": "config.json", "argv": []}
  {"op": "open"}
  {"op": "run"}
  {"op": "send",  "target": {"vat": "bob"} | {"kref": "ko25"} | {"ref": NAME},
                  "method": "ping", "args": [1, "x"], "save": NAME}
  {"op": "queue", ...same as send, no result}
  {"op": "installBundle", "bundle": "b.json", "save": NAME}
  {"op": "restart"}   shutdown, wait for exit, start a new process, open
  {"op": "kill"}      SIGKILL the host, start a new process, open
  {"op": "shutdown"}  (the driver also shuts the host down at the end)
Any step may carry "expect": {...}, a partial record that the step's record must match
(e.g. {"ok": false} or {"status": "fulfilled", "value": 3}); "note" is copied to the record.
A kernel panic (reply fatal: true) fails the run unless expected ({"fatal": true}); the host
has exited then, and only a restart or kill step brings a new one.
"rawArgs": capdata sent as is, instead of "args" (for malformed capdata).
args are plain JSON, encoded as smallcaps; tags: {"@bigint": "12"}, {"@undefined": true},
{"@ref": NAME} (a remotable saved earlier with "save"), {"@kref": "ko12", "iface": "Alleged: X"}.
"save" on a send keeps the result's remotable (or its first slot) under NAME.

Record: {"scenario", "host", "steps": [compared], "info": [not compared: ms, stats, cranks,
error text]}. A step record has op, ok, and when present status, result (capdata), value
(decoded plain JSON), bootstrap, bundleID, logs ["level: line", ...], fatal.
Decoded values tag what JSON cannot hold: {"@bigint": "12"}, {"@undefined": true},
{"@remotable": "Alleged: X", "kref": "ko12"}, {"@promise": true, "kref": "kp40"},
{"@error": {"name": .., "message": ..}}, {"@number": "NaN"}, {"@symbol": ..},
{"@tagged": tag, "payload": ..}.
"""

import argparse
import json
import math
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

# ---------------------------------------------------------------- smallcaps


class EncodeError(Exception):
    pass


_BANG_CHARS = set('!"#$%&\'()*+,-')


def _is_array_index(k):
    return re.fullmatch(r'0|[1-9][0-9]*', k) is not None and int(k) < 2**32 - 1


def encode_capdata(value, refs=None):
    """Plain JSON value (with @-tags) -> smallcaps capdata {"body": "#...", "slots": [...]}.

    refs: {name: (kref, iface)} for {"@ref": name}."""
    refs = refs or {}
    slots = []
    slot_index = {}

    def slot(kref, iface):
        if kref not in slot_index:
            slot_index[kref] = len(slots)
            slots.append(kref)
            first = True
        else:
            first = False
        idx = slot_index[kref]
        if re.match(r'^(kp|p)', kref):
            return f'&{idx}'
        # marshal gives the iface on a slot's first occurrence only
        return f'${idx}.{iface}' if iface and first else f'${idx}'

    def enc(v):
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            if math.isnan(v):
                return '#NaN'
            if math.isinf(v):
                return '#Infinity' if v > 0 else '#-Infinity'
            if v.is_integer() and abs(v) < 2**53:  # also -0.0, which marshal sends as 0
                return int(v)
            return v
        if isinstance(v, str):
            return '!' + v if v and v[0] in _BANG_CHARS else v
        if isinstance(v, list):
            return [enc(x) for x in v]
        if isinstance(v, dict):
            if '@bigint' in v:
                n = int(v['@bigint'])
                return f'+{n}' if n >= 0 else f'-{-n}'
            if '@undefined' in v:
                return '#undefined'
            if '@number' in v:
                return '#' + v['@number']
            if '@ref' in v:
                name = v['@ref']
                if name not in refs:
                    raise EncodeError(f'unknown ref {name!r} (save it first)')
                return slot(*refs[name])
            if '@kref' in v:
                return slot(v['@kref'], v.get('iface'))
            if '@remotable' in v and 'kref' in v:
                return slot(v['kref'], v['@remotable'])
            # marshal: names sorted (JS string order = UTF-16 code units), each encoded like a
            # string; JSON.stringify then puts array-index names first, in numeric order.
            names = sorted(v, key=lambda k: k.encode('utf-16-be'))
            index = [k for k in names if _is_array_index(k)]
            index.sort(key=int)
            rest = [k for k in names if not _is_array_index(k)]
            return {enc(k): enc(v[k]) for k in index + rest}
        raise EncodeError(f'cannot encode {v!r}')

    body = '#' + json.dumps(enc(value), separators=(',', ':'), ensure_ascii=False)
    return {'body': body, 'slots': slots}


def decode_capdata(capdata):
    """smallcaps capdata -> plain JSON with @-tags (see module doc)."""
    body = capdata.get('body', '')
    slots = capdata.get('slots', [])
    if not body.startswith('#'):
        return {'@legacy': json.loads(body)}
    tree = json.loads(body[1:])
    ifaces = {}

    def ref(s):
        m = re.match(r'^([$&])(\d+)(?:\.(.*))?$', s, re.S)
        if not m:
            raise ValueError(f'bad slot reference {s!r}')
        idx = int(m.group(2))
        kref = slots[idx]
        if m.group(1) == '&':
            return {'@promise': True, 'kref': kref}
        iface = ifaces.setdefault(idx, m.group(3))  # later occurrences omit the iface
        return {'@remotable': iface, 'kref': kref}

    def dec(v):
        if isinstance(v, str):
            if not v:
                return v
            c = v[0]
            if c == '!':
                return v[1:]
            if c == '#':
                if v == '#undefined':
                    return {'@undefined': True}
                return {'@number': v[1:]}  # NaN, Infinity, -Infinity, -0
            if c in '+-':
                return {'@bigint': str(int(v))}
            if c in '$&':
                return ref(v)
            if c == '%':
                return {'@symbol': v[1:]}
            return v
        if isinstance(v, list):
            return [dec(x) for x in v]
        if isinstance(v, dict):
            if '#tag' in v:
                return {'@tagged': dec(v['#tag']), 'payload': dec(v.get('payload'))}
            if '#error' in v:
                err = {'name': dec(v.get('name', 'Error')), 'message': dec(v['#error'])}
                for extra in ('cause', 'errors'):
                    if extra in v:
                        err[extra] = dec(v[extra])
                return {'@error': err}
            return {dec(k) if isinstance(k, str) else k: dec(x) for k, x in v.items()}
        return v

    return dec(tree)


# ---------------------------------------------------------------- host process


class HostDied(Exception):
    pass


class Host:
    def __init__(self, cmd, state, log):
        self.cmd = cmd + ['--state', state]
        self.log = log
        self.next_id = 1
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def request(self, req, timeout):
        rid = self.next_id
        self.next_id += 1
        msg = dict(req, id=rid)
        try:
            self.proc.stdin.write(json.dumps(msg) + '\n')
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise HostDied(f'cannot write to host: {e}')
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise HostDied(f'no reply to {req["op"]} within {timeout}s')
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait()
                raise HostDied(f'host exited (code {self.proc.returncode}) during {req["op"]}')
            try:
                reply = json.loads(line)
            except ValueError:
                reply = None
            if isinstance(reply, dict) and reply.get('id') == rid:
                return reply
            self.log.write(f'[driver] ignored host stdout line: {line}')
            self.log.flush()

    def wait(self, timeout=60):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


# ---------------------------------------------------------------- scenario


def subset_mismatch(expect, actual, path='$'):
    """Return a description of the first way `actual` fails to contain `expect`, else None."""
    if isinstance(expect, dict) and isinstance(actual, dict):
        for k, v in expect.items():
            if k not in actual:
                return f'{path}.{k} missing'
            bad = subset_mismatch(v, actual[k], f'{path}.{k}')
            if bad:
                return bad
        return None
    if expect != actual:
        return f'{path}: expected {json.dumps(expect)}, got {json.dumps(actual)}'
    return None


def normalize_krefs(obj, table):
    """Rename krefs (ko/kp/kd) by order of first appearance: ko12 -> ko#1."""
    if isinstance(obj, str):
        m = re.fullmatch(r'(ko|kp|kd)\d+', obj)
        if m:
            if obj not in table:
                n = 1 + sum(1 for k in table if k.startswith(m.group(1)))
                table[obj] = f'{m.group(1)}#{n}'
            return table[obj]
        return obj
    if isinstance(obj, list):
        return [normalize_krefs(x, table) for x in obj]
    if isinstance(obj, dict):
        return {k: normalize_krefs(v, table) for k, v in obj.items()}
    return obj


def describe(step):
    op = step.get('op')
    if op in ('send', 'queue'):
        t = step.get('target', {})
        tgt = t.get('vat') or t.get('kref') or ('@' + str(t.get('ref')))
        return f'{op} {tgt}.{step.get("method")}({json.dumps(step.get("args", []))[1:-1]})'
    if op == 'init':
        return f'init {step.get("config")}'
    if op == 'installBundle':
        return f'installBundle {step.get("bundle")}'
    return op


def run_scenario(args):
    script_path = os.path.abspath(args.scenario)
    base = os.path.dirname(script_path)
    with open(script_path) as f:
        script = json.load(f)
    steps = script['steps'] if isinstance(script, dict) else script
    cmd = shlex.split(args.host)

    made_state = args.state is None
    state = args.state or tempfile.mkdtemp(prefix='swingset-golden-')
    if not made_state:
        os.makedirs(state, exist_ok=True)
        if os.listdir(state):
            sys.exit(f'driver: state dir {state} is not empty')
    log_path = args.log or os.path.splitext(args.out)[0] + '.log'
    log = open(log_path, 'w')

    refs = {}  # name -> (kref, iface)
    records, infos = [], []
    failures = []
    host = None

    def start():
        return Host(cmd, state, log)

    def req(op, timeout=None, **fields):
        return host.request(dict(op=op, **fields), timeout or args.timeout)

    def note_info(i, reply, extra=None):
        info = {'step': i}
        for k in ('ms', 'stats', 'cranks', 'error'):
            if k in reply:
                info[k] = reply[k]
        if extra:
            info.update(extra)
        infos.append(info)

    try:
        host = start()
        for i, step in enumerate(steps):
            op = step['op']
            rec = {'step': i, 'op': op}
            if 'note' in step:
                rec['note'] = step['note']
            if op in ('send', 'queue'):
                rec['target'] = step.get('target')
                rec['method'] = step.get('method')
            reply = None
            if host is None and op not in ('restart', 'kill'):
                rec['ok'] = False
                rec['hostDied'] = True
                records.append(rec)
                failures.append(f'step {i} ({describe(step)}): no host running (restart or kill first)')
                continue
            try:
                if op == 'init':
                    reply = req('init', config=os.path.join(base, step['config']),
                                argv=step.get('argv', []))
                elif op in ('open', 'run', 'shutdown'):
                    reply = req(op)
                    if op == 'shutdown':
                        host.wait()
                elif op in ('send', 'queue'):
                    target = dict(step['target'])
                    if 'ref' in target:
                        name = target.pop('ref')
                        if name not in refs:
                            raise EncodeError(f'unknown ref {name!r}')
                        target = {'kref': refs[name][0]}
                    capdata = step['rawArgs'] if 'rawArgs' in step else encode_capdata(step.get('args', []), refs)
                    reply = req(op, target=target, method=step['method'], args=capdata)
                elif op == 'installBundle':
                    reply = req('installBundle', bundle=os.path.join(base, step['bundle']))
                elif op in ('restart', 'kill'):
                    if host is None:
                        pass  # after a kernel panic the host has exited already
                    elif op == 'restart':
                        r = req('shutdown')
                        rec['shutdownOk'] = r.get('ok')
                        code = host.wait()
                        rec['exitCode'] = code
                    else:
                        host.kill()
                    host = start()
                    reply = req('open')
                else:
                    raise EncodeError(f'unknown op {op!r}')
            except EncodeError as e:
                failures.append(f'step {i}: {e}')
                rec['driverError'] = str(e)
                records.append(rec)
                break
            except HostDied as e:
                rec['ok'] = False
                rec['hostDied'] = True
                infos.append({'step': i, 'error': str(e)})
                records.append(rec)
                failures.append(f'step {i} ({describe(step)}): {e}')
                host = None
                break

            rec['ok'] = reply.get('ok')
            if reply.get('fatal'):
                rec['fatal'] = True
            for k in ('status', 'result', 'bundleID'):
                if k in reply:
                    rec[k] = reply[k]
            if 'result' in reply:
                rec['value'] = decode_capdata(reply['result'])
            if 'bootstrap' in reply:
                b = dict(reply['bootstrap'])
                if 'result' in b:
                    b['value'] = decode_capdata(b['result'])
                rec['bootstrap'] = b
            rec['logs'] = [f'{l.get("level")}: {l.get("line")}' for l in reply.get('logs', [])]
            note_info(i, reply)

            save = step.get('save')
            if save and reply.get('ok'):
                v = rec.get('value')
                if isinstance(v, dict) and '@remotable' in v:
                    refs[save] = (v['kref'], v['@remotable'])
                elif rec.get('result', {}).get('slots'):
                    refs[save] = (rec['result']['slots'][0], None)
                elif 'bundleID' in rec:
                    refs[save] = (rec['bundleID'], None)
                else:
                    failures.append(f'step {i}: nothing to save as {save!r}')

            if 'expect' in step:
                bad = subset_mismatch(step['expect'], rec)
                if bad:
                    failures.append(f'step {i} ({describe(step)}): {bad}')
            records.append(rec)
            if not args.quiet:
                summary = describe(step)
                outcome = 'ok' if rec['ok'] else (
                    f'{"FATAL" if reply.get("fatal") else "REFUSED"} ({reply.get("error")})')
                if 'status' in rec:
                    outcome = rec['status']
                    if 'value' in rec:
                        outcome += ' ' + json.dumps(rec['value'], sort_keys=True)
                if 'bootstrap' in rec:
                    outcome += ' bootstrap=' + rec['bootstrap'].get('status', '?')
                print(f'#{i:<3} {summary:<48} -> {outcome}'
                      f'  [{len(rec["logs"])} logs, {reply.get("ms", 0):.0f} ms]')
                for line in rec['logs']:
                    print(f'       | {line}')
            if reply.get('fatal'):
                if not step.get('expect', {}).get('fatal'):
                    failures.append(f'step {i}: kernel panic: {reply.get("error")}')
                host.wait()
                host = None
    finally:
        if host is not None:
            try:
                host.request({'op': 'shutdown'}, args.timeout)
                host.wait()
            except HostDied:
                pass
            host.kill()
        log.close()
        if made_state and not args.keep_state:
            shutil.rmtree(state, ignore_errors=True)

    if args.normalize_krefs:
        table = {}
        records = normalize_krefs(records, table)
    out = {'scenario': os.path.relpath(script_path), 'host': args.host,
           'steps': records, 'info': infos}
    if failures:
        out['failures'] = failures
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')
    print(f'driver: {len(records)}/{len(steps)} steps, {len(failures)} failures; '
          f'record {args.out}, host log {log_path}'
          + (f', state kept in {state}' if (not made_state or args.keep_state) else ''))
    for fl in failures:
        print(f'driver: FAIL {fl}')
    return 1 if failures else 0


def compare(args):
    with open(args.a) as f:
        a = json.load(f)
    with open(args.b) as f:
        b = json.load(f)
    sa, sb = a['steps'], b['steps']
    diffs = 0
    for i in range(max(len(sa), len(sb))):
        ra = sa[i] if i < len(sa) else None
        rb = sb[i] if i < len(sb) else None
        if ra != rb:
            diffs += 1
            print(f'step {i} differs:')
            print(f'  A: {json.dumps(ra, sort_keys=True)}')
            print(f'  B: {json.dumps(rb, sort_keys=True)}')
    print(f'compare: {len(sa)} vs {len(sb)} steps, {diffs} differ')
    return 1 if diffs else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run a scenario against a host')
    r.add_argument('--host', required=True, help='host command; "--state DIR" is appended')
    r.add_argument('--scenario', required=True, help='script.json')
    r.add_argument('--out', required=True, help='record JSON to write')
    r.add_argument('--state', help='state dir (default: a fresh temp dir, removed afterwards)')
    r.add_argument('--keep-state', action='store_true')
    r.add_argument('--log', help='host stderr log (default: OUT with .log)')
    r.add_argument('--timeout', type=float, default=300, help='seconds per request')
    r.add_argument('--normalize-krefs', action='store_true',
                   help='rename krefs by first appearance (ko#1, kp#1, ...)')
    r.add_argument('--quiet', action='store_true')
    c = sub.add_parser('compare', help='diff the compared part of two records')
    c.add_argument('a')
    c.add_argument('b')
    args = ap.parse_args()
    sys.exit(run_scenario(args) if args.cmd == 'run' else compare(args))


if __name__ == '__main__':
    main()
