// The large-message benchmark's bootstrap vat: passes a string from the host on to the store
// vat, and the store vat's string back to the host. Same code on both kernels.
import { E, Far } from '@endo/far';

export function buildRootObject() {
  let store;
  return Far('relay', {
    bootstrap(vats) {
      store = vats.store;
    },
    relay(text) {
      return E(store).put(text);
    },
    fetch() {
      return E(store).get();
    },
  });
}
