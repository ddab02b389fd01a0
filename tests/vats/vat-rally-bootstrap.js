// Holds the vats and starts rallies between Alice and Bob.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('bootstrap', {
    bootstrap(v) {
      vats = v;
    },
    rally(n) {
      return E(vats.alice).rally(vats.bob, n);
    },
  });
}
