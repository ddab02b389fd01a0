// b: decides the promises a holds; resolves them to objects exported by c.
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
  let c;
  const pendingKit = makePromiseKit();
  const lateKit = makePromiseKit();
  const outerKit = makePromiseKit();
  const innerKit = makePromiseKit();
  outerKit.promise.catch(() => {});
  return Far('b', {
    setPeer(cc) {
      c = cc;
    },
    getPending() {
      return pendingKit.promise;
    },
    async resolveFromC(name) {
      const thing = await E(c).makeThing(name);
      pendingKit.resolve(thing);
      console.log('b: resolved pending to a thing from c');
      return 'resolved';
    },
    rejectNow(why) {
      return Promise.reject(Error(`b rejects: ${why}`));
    },
    getLateRejection() {
      return lateKit.promise;
    },
    rejectLate(why) {
      lateKit.reject(Error(`late rejection: ${why}`));
      return 'rejected';
    },
    getPromiseForPromise() {
      return outerKit.promise;
    },
    resolveOuter() {
      outerKit.resolve(innerKit.promise);
      return 'outer resolved to inner';
    },
    async resolveInner(name) {
      innerKit.resolve(await E(c).makeThing(name));
      return 'inner resolved';
    },
    getThingNow() {
      return E(c).makeThing('now');
    },
  });
}
