// A counter vat for worker and kernel tests. `count` lives only in the JS heap, so only a heap
// snapshot carries it; `durableCount` lives in baggage, i.e. in the kernel's vatstore.
import { Far, E } from '@endo/far';

export function buildRootObject(vatPowers, vatParameters, baggage) {
  let count = (vatParameters && vatParameters.start) || 0;
  if (!baggage.has('durableCount')) {
    baggage.init('durableCount', 0);
  }
  return Far('counter', {
    increment() {
      count += 1;
      console.log('increment', count);
      baggage.set('durableCount', baggage.get('durableCount') + 1);
      return count;
    },
    get() {
      return harden({ count, durableCount: baggage.get('durableCount') });
    },
    // No syscalls beyond resolving the result: the cheapest round trip through liveslots.
    ping(x) {
      return x;
    },
    tell(other) {
      return E(other).hello(count);
    },
    fail(why) {
      throw Error(`failed on purpose: ${why}`);
    },
    spin() {
      for (;;) {
        // a runaway loop: only the compute meter or the hang limit stops it
      }
    },
    exit(why) {
      vatPowers.exitVat(why);
    },
    // A failure whose reason holds an object and a promise made in this very delivery, which the
    // kernel rolls back.
    exitHoldingNewThings() {
      vatPowers.exitVatWithFailure(harden({ thing: Far('thing', {}), promise: new Promise(() => {}) }));
    },
  });
}
