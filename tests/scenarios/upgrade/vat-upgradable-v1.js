// Incarnation 1 of an upgradable vat: `count` lives in baggage (durable), `ephemeral` in the heap.
import { Far } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters, baggage) {
  if (!baggage.has('count')) baggage.init('count', vatParameters.start);
  let ephemeral = 0;
  const pending = [];
  return Far('upgradable', {
    increment() {
      const n = baggage.get('count') + 1;
      baggage.set('count', n);
      ephemeral += 1;
      return [n, ephemeral];
    },
    version: () => 'v1',
    makeThing: () => Far('thing', { poke: () => 'poked' }),
    // A promise this vat decides and never settles: an upgrade must reject it.
    hang: () => new Promise(resolve => pending.push(resolve)),
  });
}
