// The demo's bootstrap vat: introduces Alice to Bob and starts a conversation.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  return Far('bootstrap', {
    async bootstrap(v, devices) {
      vats = v;
      await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
      // Pipelining: ask Bob for a counter and use it before the answer arrives.
      const counter = E(vats.bob).makeCounter(10);
      await E(counter).increment();
      const n = await E(counter).increment();
      console.log(`Bob's counter is at ${n}`);
      return E(vats.alice).meet(vats.bob);
    },
    async chat(topic) {
      return E(vats.alice).talkAbout(topic);
    },
  });
}
