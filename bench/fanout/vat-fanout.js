// The benchmarks' bootstrap vat: creates dynamic echo vats through the vat-admin service
// (createVatByName) and sends to them, one or all at once. Same code on both kernels.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let svc;
  const roots = []; // in creation order
  return Far('fanout', {
    async bootstrap(vats, devices) {
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    // Asks for `count` new vats at once; resolves with how many vats there are then.
    async create(count) {
      const first = roots.length;
      const made = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          E(svc).createVatByName('echo', { name: `echo${first + i}` }),
        ),
      );
      for (const { root } of made) roots.push(root);
      return roots.length;
    },
    // One message to every vat, all sent at once; resolves with the sum of their counts.
    async fanout() {
      const counts = await Promise.all(roots.map(r => E(r).increment()));
      return counts.reduce((a, b) => a + b, 0);
    },
    // One message to vat i.
    increment(i) {
      return E(roots[i]).increment();
    },
    // Vat i's root, for a host to message it straight, not through this vat.
    root(i) {
      return roots[i];
    },
  });
}
