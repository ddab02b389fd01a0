// enableDisavow: vatPowers.disavow(presence) drops an import (syscall.dropImports while the vat
// could still reach it); using the presence afterwards makes liveslots exitVatWithFailure.
import { Far, E } from '@endo/far';

export function buildRootObject(vatPowers) {
  let peer;
  return Far('disavower', {
    setPeer(p) {
      peer = p;
    },
    hasDisavow: () => typeof vatPowers.disavow,
    async disavowAndForget() {
      const thing = await E(peer).makeString(3);
      return thing;
    },
    disavowPeer() {
      vatPowers.disavow(peer);
      return 'disavowed';
    },
    disavowTwice() {
      try {
        vatPowers.disavow(peer);
        return 'no error';
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    },
    usePeer() {
      return E(peer).ping('after disavow');
    },
    ping: x => `pong ${x}`,
  });
}
