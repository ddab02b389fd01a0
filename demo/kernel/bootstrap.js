// The demo's bootstrap vat: introduces Alice to Bob, starts a conversation, and creates dynamic
// vats on request.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let vats;
  let vatAdminService;
  const ledgers = new Map(); // owner -> the ledger vat's root object
  return Far('bootstrap', {
    async bootstrap(v, devices) {
      vats = v;
      vatAdminService = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
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
    // A new vat, made at run time from the "ledger" bundle.
    async openLedger(owner) {
      const { root } = await E(vatAdminService).createVatByName('ledger', {
        name: `ledger-${owner}`,
        vatParameters: { owner },
      });
      ledgers.set(owner, root);
      return `opened a ledger vat for ${owner}`;
    },
    record(owner, what) {
      return E(ledgers.get(owner)).record(what);
    },
  });
}
