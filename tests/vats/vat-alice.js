// Alice rallies with Bob: n sequential round trips, as in the floor benchmark's vat.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let rallies = 0;
  return Far('alice', {
    async rally(bob, n) {
      rallies += 1;
      let sum = 0;
      for (let i = 1; i <= n; i += 1) {
        // eslint-disable-next-line no-await-in-loop
        sum += await E(bob).ping(i);
      }
      return { rallies, exchanges: n, ok: sum === (n * (n + 1)) / 2 };
    },
  });
}
