// Creates many dynamic counter vats (tests/vats/vat-counter.js, bundle name "counter") through the
// vat-admin service and messages them one at a time or all at once.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let svc;
  const roots = []; // in creation order; vat i starts counting at 1000 * i
  return Far('bootstrap', {
    async bootstrap(vats, devices) {
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    // Asks for `count` new vats at once; resolves with how many there are then.
    async create(count) {
      const first = roots.length;
      const made = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          E(svc).createVatByName('counter', {
            name: `counter${first + i}`,
            vatParameters: { start: 1000 * (first + i) },
          }),
        ),
      );
      for (const { root } of made) roots.push(root);
      return roots.length;
    },
    increment(i) {
      return E(roots[i]).increment();
    },
    // One message to every vat, all sent at once; resolves with their counts in order.
    incrementAll() {
      return Promise.all(roots.map(r => E(r).increment()));
    },
  });
}
