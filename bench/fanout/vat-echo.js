// A dynamic vat for the benchmarks: counts the messages it gets (in its heap only).
import { Far } from '@endo/far';

export function buildRootObject() {
  let count = 0;
  return Far('echo', {
    increment() {
      count += 1;
      return count;
    },
  });
}
