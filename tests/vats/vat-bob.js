// Bob answers pings and checks they arrive in order.
import { Far } from '@endo/far';

export function buildRootObject() {
  let pings = 0;
  let last = 0;
  let inOrder = true;
  return Far('bob', {
    ping(i) {
      pings += 1;
      if (i !== 1 && i !== last + 1) inOrder = false;
      last = i;
      return i;
    },
    count() {
      return { pings, inOrder };
    },
  });
}
