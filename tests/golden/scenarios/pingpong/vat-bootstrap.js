// Bootstrap for the pingpong scenario: introduces alice to bob, then relays pings.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      console.log('bootstrap: introducing alice to bob');
      await E(vats.alice).setPeer(vats.bob);
      const first = await E(vats.alice).ping(0);
      console.log('bootstrap: first ping answered', first);
      return harden({ started: true, first });
    },
    // a remotable result: the driver gets its kref and can send to it later
    getAlice() {
      return vats.alice;
    },
    relay(n) {
      return E(vats.alice).ping(n);
    },
  });
}
