// Creates dynamic vats several at once, by bundle name, and messages the counters among them
// (tests/durability/bear_ahead_test.py).
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let svc;
  let made = 0; // vats asked for so far: the n-th starts counting at 1000 * n
  const counters = [];
  return Far('bootstrap', {
    async bootstrap(vats, devices) {
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    // One vat per name, all asked for at once; resolves with 'ok' or the rejection, per vat.
    async create(names) {
      const first = made;
      made += names.length;
      const settled = await Promise.allSettled(
        names.map((name, i) =>
          E(svc).createVatByName(name, { name: `${name}-${first + i}`, vatParameters: { start: 1000 * (first + i) } }),
        ),
      );
      return settled.map(({ status, value, reason }, i) => {
        if (status !== 'fulfilled') return `rejected: ${reason}`;
        if (names[i] === 'counter') counters.push(value.root);
        return 'ok';
      });
    },
    // A vat whose vatParameters hold an object of ours; resolves with 'ok' or the rejection.
    async createHolding(name) {
      const gift = Far('gift', {});
      return E(svc)
        .createVatByName(name, { name: `${name}-holding`, vatParameters: { start: 0, gift } })
        .then(() => 'ok', reason => `rejected: ${reason}`);
    },
    incrementAll() {
      return Promise.all(counters.map(r => E(r).increment()));
    },
  });
}
