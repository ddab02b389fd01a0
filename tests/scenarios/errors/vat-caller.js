// The caller sees the same failures from inside a vat.
import { Far, E } from '@endo/far';

const describeErr = e =>
  e instanceof Error ? `${e.name}: ${e.message}` : harden({ nonError: e === undefined ? '(undefined)' : e });

export function buildRootObject() {
  let target;
  return Far('caller', {
    setTarget(t) {
      target = t;
    },
    async tryAll() {
      const out = {};
      for (const m of ['nosuch', 'throwString', 'throwNumber', 'throwRecord', 'throwUndefined', 'throwTypeError', 'rejectAsync']) {
        try {
          // eslint-disable-next-line no-await-in-loop
          out[m] = harden({ ok: await E(target)[m]() });
        } catch (e) {
          out[m] = describeErr(e);
        }
      }
      return harden(out);
    },
    async causeSeen() {
      try {
        await E(target).throwWithCause();
        return 'no error';
      } catch (e) {
        return harden({ message: e.message, cause: e.cause ? e.cause.message : null });
      }
    },
  });
}
