// The exporter: ephemeral objects (only importers hold them) and kept ones (held here too).
import { Far } from '@endo/far';

export function buildRootObject() {
  const kept = new Map();
  let made = 0;
  const make = name => {
    made += 1;
    return Far('GcThing', {
      hello: who => `${name} greets ${who}`,
      getName: () => name,
    });
  };
  return Far('exporter', {
    makeEphemeral: name => make(name),
    makeKept(name) {
      const t = make(name);
      kept.set(name, t);
      return t;
    },
    getKept: name => kept.get(name),
    isKept: (name, obj) => kept.get(name) === obj,
    forget(name) {
      return kept.delete(name);
    },
    getMade: () => made,
  });
}
