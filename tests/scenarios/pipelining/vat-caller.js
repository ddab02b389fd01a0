// The caller sends chains of messages to results that are still unresolved promises.
import { Far, E } from '@endo/far';

const settle = p =>
  Promise.resolve(p).then(
    v => harden({ ok: v }),
    e => harden({ err: `${e.name}: ${e.message}` }),
  );

export function buildRootObject() {
  let targets;
  return Far('caller', {
    setTargets(t) {
      targets = t;
    },
    async chain(which) {
      const t = targets[which];
      const c = E(t).makeCounter(`${which}-c`, 1);
      const r1 = E(c).incr(); // 2
      const r2 = E(E(c).self()).incr(5); // 7
      const child = E(c).child('k'); // child starts at n*10 when it runs
      const r3 = E(child).incr(); // child + 1
      const r4 = E(E(child).self()).getName();
      const r5 = E(c).get();
      return harden(await Promise.all([r1, r2, r3, r4, r5]));
    },
    async toRejected(which) {
      const t = targets[which];
      const bad = E(t).fail('deliberately');
      const r1 = E(bad).incr();
      const r2 = E(E(bad).self()).incr();
      return harden(await Promise.all([settle(bad), settle(r1), settle(r2)]));
    },
    async toData(which) {
      const t = targets[which];
      const num = E(t).getNumber();
      const r1 = E(num).incr();
      return harden(await Promise.all([settle(num), settle(r1)]));
    },
    async toLater(which) {
      const t = targets[which];
      const c = E(t).later(`${which}-later`);
      const r1 = E(c).incr(1);
      const r2 = E(c).getName();
      return harden(await Promise.all([r1, r2]));
    },
    async unknownOnPromise(which) {
      const t = targets[which];
      const c = E(t).makeCounter(`${which}-u`, 0);
      return settle(E(c).nosuch(1));
    },
  });
}
