// A dynamic vat that leaves during its own startVat. Its exit is the first syscall of its startVat
// that is not a vatstore one: a vat born ahead of its crank must wait there for the crank.
import { Far } from '@endo/far';

export function buildRootObject(vatPowers) {
  vatPowers.exitVat('done at birth');
  return Far('root', {});
}
