// Incarnation 2: the same durable count, new code, new vatParameters.
import { Far } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters, baggage) {
  let ephemeral = 0;
  return Far('upgradable', {
    increment() {
      const n = baggage.get('count') + vatParameters.step;
      baggage.set('count', n);
      ephemeral += 1;
      return [n, ephemeral];
    },
    version: () => 'v2',
  });
}
