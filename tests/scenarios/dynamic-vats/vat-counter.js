// A dynamic vat: a counter whose start comes from vatParameters. `count` lives only in the heap.
import { Far } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters) {
  let count = vatParameters.start;
  return Far('counter', {
    increment() {
      count += 1;
      return count;
    },
  });
}
