// Bootstrap for the illegal-syscall scenario: wires the vats together.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.big).setPeer(vats.sink);
      await E(vats.disavower).setPeer(vats.sink);
      return 'ready';
    },
  });
}
