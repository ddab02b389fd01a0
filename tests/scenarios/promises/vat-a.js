// a: the consumer. Holds promises it got from b and sends to them.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let b;
  let c;
  let pending; // promise from b, resolved later by b to a presence exported by c
  let late; // promise from b, rejected later
  let ppAnswer; // answer of a message sent to a promise for a promise
  let pendingState = 'unresolved';
  let argState = 'none';
  return Far('a', {
    setPeers(bb, cc) {
      b = bb;
      c = cc;
    },
    startPending() {
      pending = E(b).getPending();
      pending.then(
        v => {
          pendingState = `fulfilled`;
          console.log('a: pending fulfilled');
          return v;
        },
        e => {
          pendingState = `rejected: ${e.message}`;
        },
      );
      return 'started';
    },
    getPendingState() {
      return pendingState;
    },
    async useIt(who) {
      const greeting = await E(pending).hello(who);
      const thing = await pending;
      const direct = await E(c).getThing(await E(thing).getName());
      return harden({ greeting, same: thing === direct, thing });
    },
    async catchRejection(why) {
      try {
        await E(b).rejectNow(why);
        return 'not rejected';
      } catch (e) {
        return harden({ caught: e.message, name: e.name, isError: e instanceof Error });
      }
    },
    relayRejection(why) {
      return E(b).rejectNow(why);
    },
    startLateRejection() {
      const p = E(b).getLateRejection();
      p.catch(() => {}); // handled later by awaitLateRejection
      late = p;
      return 'started';
    },
    async awaitLateRejection() {
      try {
        await late;
        return 'fulfilled?';
      } catch (e) {
        return `late: ${e.message}`;
      }
    },
    async awaitArg(p) {
      argState = 'waiting';
      try {
        const v = await p;
        argState = 'done';
        return `got ${v}`;
      } catch (e) {
        argState = 'rejected';
        return `arg rejected: ${e.message}`;
      }
    },
    getArgState() {
      return argState;
    },
    async awaitRecord(rec) {
      const thing = await rec.p;
      const name = await E(thing).getName();
      return harden({ label: rec.label, name });
    },
    // E() on a promise for a promise: the message waits in the kernel until both resolve
    startPromiseForPromise() {
      const pp = E(b).getPromiseForPromise();
      ppAnswer = E(pp).hello('via pp');
      ppAnswer.catch(() => {});
      return 'sent';
    },
    async getPPAnswer() {
      return ppAnswer;
    },
    // a local promise chain collapses before anything crosses the vat boundary
    async eOnLocalPromiseChain() {
      const inner = E(b).getThingNow();
      const outer = Promise.resolve(inner);
      return E(outer).hello('chain');
    },
  });
}
