// A metered vat: burn(n) spends computrons in proportion to n.
import { Far } from '@endo/far';

export function buildRootObject() {
  return Far('burner', {
    burn(n) {
      let x = 0;
      for (let i = 0; i < n; i += 1) x += i % 7;
      return x;
    },
  });
}
