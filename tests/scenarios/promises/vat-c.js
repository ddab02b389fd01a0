// c: exports the objects that b's promises resolve to.
import { Far } from '@endo/far';

export function buildRootObject() {
  let last;
  const byName = new Map();
  let made = 0;
  return Far('c', {
    makeThing(name) {
      made += 1;
      const thing = Far('CThing', {
        hello(who) {
          console.log('c: thing', name, 'greets', who);
          return `hello ${who} from ${name}`;
        },
        getName: () => name,
      });
      last = thing;
      byName.set(name, thing);
      return thing;
    },
    getLast: () => last,
    getThing: name => byName.get(name),
    getMade: () => made,
  });
}
