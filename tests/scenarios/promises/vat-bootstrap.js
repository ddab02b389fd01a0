// Bootstrap for the promises scenario: keeps the vats record, hands out vat roots, and passes
// a promise it decides to vat a as an argument, resolving it in a later crank.
import { Far, E } from '@endo/far';

// @endo/promise-kit is not among the staged vat dependencies (only @endo/far): a local kit.
const makePromiseKit = () => {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export function buildRootObject() {
  let vats;
  let argKit;
  let argResult;
  let recKit;
  let recResult;
  return Far('root', {
    async bootstrap(v, _devices) {
      vats = v;
      await E(vats.a).setPeers(vats.b, vats.c);
      await E(vats.b).setPeer(vats.c);
      return 'ready';
    },
    getVat(name) {
      return vats[name];
    },
    // a promise as a direct argument, resolved by a later driver step
    passPromise() {
      argKit = makePromiseKit();
      argResult = E(vats.a).awaitArg(argKit.promise);
      // a promise inside a record, to be resolved to a presence exported by c
      recKit = makePromiseKit();
      recResult = E(vats.a).awaitRecord(harden({ label: 'rec', p: recKit.promise }));
      return 'sent';
    },
    async resolvePassed(n) {
      argKit.resolve(n);
      const thing = await E(vats.c).makeThing('for-record');
      recKit.resolve(thing);
      return harden([await argResult, await recResult]);
    },
    rejectPassedLater() {
      const kit = makePromiseKit();
      const r = E(vats.a).awaitArg(kit.promise);
      kit.reject(Error('passed and rejected'));
      return r;
    },
  });
}
