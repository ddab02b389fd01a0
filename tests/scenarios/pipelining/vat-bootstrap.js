// Bootstrap for the pipelining scenario: introduces the caller to both targets.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.caller).setTargets(harden({ piper: vats.piper, plain: vats.plain }));
      return 'ready';
    },
  });
}
