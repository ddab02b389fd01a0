// A counter that also holds references from outside itself, for the vat archive test
// (tests/durability/vat_archive_test.py). `count` lives only in the heap, so only a heap snapshot
// plus the transcript carries it; `durableCount` lives in baggage, i.e. in the vatstore.
import { Far, E } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters, baggage) {
  let count = (vatParameters && vatParameters.start) || 0;
  if (!baggage.has('durableCount')) {
    baggage.init('durableCount', 0);
  }
  let friend;
  let watched = ['nothing'];
  const recognized = new WeakSet();
  return Far('counter', {
    increment() {
      count += 1;
      baggage.set('durableCount', baggage.get('durableCount') + 1);
      return count;
    },
    get() {
      return harden({ count, durableCount: baggage.get('durableCount') });
    },
    // Holds another vat's object: an import (o-N) in this vat's c-list.
    befriend(other) {
      friend = other;
      return 'befriended';
    },
    // Recognizes an object without holding it: once the vat has dropped it, its import (o-N) is
    // recognizable only (flag "_") in the c-list.
    recognize(other) {
      recognized.add(other);
      return 'recognized';
    },
    // A new export (o+N) whose only holder is the caller.
    makeThing() {
      return Far('thing', {});
    },
    callFriend() {
      return E(friend).increment();
    },
    // Waits on a promise another vat decides and never settles.
    watchFriend() {
      watched = ['pending'];
      E(friend)
        .hang()
        .then(
          v => {
            watched = ['fulfilled', v];
          },
          e => {
            watched = ['rejected', e && e.message];
          },
        );
      return 'watching';
    },
    watched() {
      return watched;
    },
    hang() {
      return new Promise(() => {});
    },
    // Rejects its result with an Error, whose errorId liveslots makes from the vatID it was built
    // with: a vat rebuilt from its bundle elsewhere must be built with the same one to replay.
    fail() {
      throw Error('failed on purpose');
    },
  });
}
