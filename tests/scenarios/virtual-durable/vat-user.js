// The user imports virtual and durable objects from the store vat and keeps some of them.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let store;
  const kept = new Map();
  return Far('user', {
    setStore(s) {
      store = s;
    },
    async keep(name, durable) {
      const c = durable
        ? await E(store).makeDurable(name, 10)
        : await E(store).makeVirtual(name, 20);
      kept.set(name, c);
      return E(c).incr(2);
    },
    useKept(name) {
      return E(kept.get(name)).incr(1);
    },
    async identity(name, durable) {
      const c = kept.get(name);
      const looked = durable ? await E(store).lookupDurable(name) : await E(store).lookupVirtual(name);
      return looked === c;
    },
  });
}
