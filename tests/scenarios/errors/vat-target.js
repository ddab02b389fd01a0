// Methods that fail in every way a method can, and return every kind of passable.
import { Far } from '@endo/far';

export function buildRootObject() {
  return Far('target', {
    needsRecord(rec) {
      return rec.inner.value * 2;
    },
    needsString(s) {
      return s.toUpperCase();
    },
    throwString: () => {
      // eslint-disable-next-line no-throw-literal
      throw 'a plain string';
    },
    throwNumber: () => {
      // eslint-disable-next-line no-throw-literal
      throw 42;
    },
    throwRecord: () => {
      // eslint-disable-next-line no-throw-literal
      throw harden({ code: 'E_CUSTOM', detail: [1, 2] });
    },
    throwUndefined: () => {
      // eslint-disable-next-line no-throw-literal
      throw undefined;
    },
    throwTypeError: () => {
      throw TypeError('typed');
    },
    throwRangeError: () => {
      throw RangeError('out of range');
    },
    throwWithCause: () => {
      throw Error('outer', { cause: Error('inner') });
    },
    rejectAsync: async () => {
      await null;
      throw Error('async failure');
    },
    returnUndefined: () => undefined,
    returnNothing() {},
    returnBigints: () => harden([0n, -1n, 2n ** 64n, -(10n ** 30n)]),
    returnNumbers: () => harden([0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53]),
    returnNested: () =>
      harden({
        a: [{ b: { c: [null, undefined, true, 'x'] } }],
        '!bang': '#hash',
        $dollar: '&amp',
        '': 'empty key',
        list: [[[]], {}],
      }),
    returnError: () => Error('returned, not thrown'),
    returnArgs: (...args) => harden(args),
    returnSelfInRecord() {
      return harden({ me: this === undefined ? 'no this' : 'has this' });
    },
  });
}
