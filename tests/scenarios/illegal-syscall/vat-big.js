// Payload-size limits. liveslots refuses syscall capdata over 10,000,000 body characters or
// 10,000 slots: for a send it throws into userspace; for a result or an exit it does
// syscall.exit(true, Error('syscall capdata too large')), terminating the vat.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let peer;
  return Far('big', {
    setPeer(p) {
      peer = p;
    },
    ping: x => `pong ${x}`,
    measure(s) {
      return s.length;
    },
    // a large but legal payload crosses the kernel twice (send to peer, result back)
    async bounceLarge(n) {
      const len = await E(peer).measure('y'.repeat(n));
      const back = await E(peer).makeString(n);
      return harden({ len, backLen: back.length });
    },
    makeString(n) {
      return 'z'.repeat(n);
    },
    // a send whose args are too large: liveslots throws to the sender, nothing leaves the vat
    async sendTooLarge() {
      try {
        await E(peer).measure('x'.repeat(10_000_001));
        return 'sent?';
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    },
    // a result too large: the vat is terminated
    returnTooLarge() {
      return 'x'.repeat(10_000_001);
    },
    // a result with too many slots: the vat is terminated
    returnTooManySlots() {
      const objs = [];
      for (let i = 0; i < 10_001; i += 1) {
        objs.push(Far('Tiny', {}));
      }
      return harden(objs);
    },
  });
}
