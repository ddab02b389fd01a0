// Bootstrap for the gc scenario. defaultReapInterval 1: every delivery is followed by
// bringOutYourDead, so drops and retires happen at fixed points and krefs are deterministic.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.importer).setExporter(vats.exporter);
      return 'ready';
    },
  });
}
