// Bootstrap for the errors scenario.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.caller).setTarget(vats.target);
      return 'ready';
    },
  });
}
