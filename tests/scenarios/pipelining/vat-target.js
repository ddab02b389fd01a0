// The target: used twice, once with enablePipelining and once without. Every answer must be the
// same either way; only delivery order inside the kernel may differ.
import { Far } from '@endo/far';

export function buildRootObject() {
  let made = 0;
  const makeCounter = (name, start) => {
    let n = start;
    const counter = Far('Counter', {
      incr(by = 1) {
        n += by;
        return n;
      },
      get: () => n,
      self: () => counter,
      child(suffix) {
        return makeCounter(`${name}/${suffix}`, n * 10);
      },
      getName: () => name,
    });
    return counter;
  };
  return Far('target', {
    makeCounter(name, start) {
      made += 1;
      return makeCounter(name, start);
    },
    getMade: () => made,
    fail(why) {
      throw Error(`target fails: ${why}`);
    },
    getNumber: () => 7,
    async later(name) {
      // resolves only after a round trip through the result of a promise it returned
      await null;
      return makeCounter(name, 100);
    },
  });
}
