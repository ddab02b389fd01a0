// Bootstrap for the exit scenario.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.caller).setTargets(harden({ quitter: vats.quitter, failer: vats.failer }));
      return 'ready';
    },
  });
}
