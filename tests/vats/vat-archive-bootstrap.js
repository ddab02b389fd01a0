// The bootstrap vat of the vat archive test: introduces static vats to each other and creates
// counters as dynamic vats through the vat-admin service.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  let svc;
  const dynamic = new Map();
  return Far('bootstrap', {
    async bootstrap(v, devices) {
      vats = v;
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    introduce(a, b) {
      return E(vats[a]).befriend(vats[b]);
    },
    recognize(a, b) {
      return E(vats[a]).recognize(vats[b]);
    },
    async createCounter(name, bundleName, start) {
      // `peer` is never used: the vat drops it, but its vatParameters still hold it.
      const vatParameters = { start, peer: vats.other };
      const { root } = await E(svc).createVatByName(bundleName, { name, vatParameters });
      dynamic.set(name, root);
      return 'created';
    },
    incrementDynamic(name) {
      return E(dynamic.get(name)).increment();
    },
  });
}
