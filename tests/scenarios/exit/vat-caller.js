// The caller holds presences of the exiting vats and promises they decide.
import { Far, E } from '@endo/far';

const settle = p =>
  Promise.resolve(p).then(
    v => harden({ ok: v }),
    e => harden({ err: e instanceof Error ? `${e.name}: ${e.message}` : e }),
  );

export function buildRootObject() {
  let targets;
  const outcomes = {};
  const things = {};
  return Far('caller', {
    setTargets(t) {
      targets = t;
    },
    async prepare(which) {
      things[which] = await E(targets[which]).makeThing(`${which}-thing`);
      outcomes[which] = 'pending';
      E(targets[which])
        .never()
        .then(
          v => {
            outcomes[which] = `fulfilled: ${v}`;
          },
          e => {
            outcomes[which] = `rejected: ${e.message}`;
          },
        );
      return E(targets[which]).ping('before');
    },
    getOutcome(which) {
      return outcomes[which];
    },
    // exit, then a message already queued behind it: it reaches a dead vat
    async exitAndPing(which, how) {
      const method = how === 'quit' ? 'quit' : 'fail';
      const r1 = E(targets[which])[method](`${which} says bye`);
      const r2 = E(targets[which]).ping('after');
      const r3 = E(things[which]).getName();
      return harden(await Promise.all([settle(r1), settle(r2), settle(r3)]));
    },
    async pingAll(which) {
      return harden(
        await Promise.all([
          settle(E(targets[which]).ping('later')),
          settle(E(things[which]).getName()),
        ]),
      );
    },
  });
}
