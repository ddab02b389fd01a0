// Bootstrap for the virtual-durable scenario.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.user).setStore(vats.store);
      return 'ready';
    },
  });
}
