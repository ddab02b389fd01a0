// The importer imports objects, drops them, and checks that later traffic still works.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let exporter;
  let held;
  return Far('importer', {
    setExporter(e) {
      exporter = e;
    },
    // import n ephemeral objects, use each once, keep none
    async churn(prefix, n) {
      const answers = [];
      for (let i = 0; i < n; i += 1) {
        const t = await E(exporter).makeEphemeral(`${prefix}${i}`);
        answers.push(await E(t).hello('importer'));
      }
      return answers.length;
    },
    // send to an import, then drop it at once: the message must still be delivered
    async sendThenDrop(name) {
      let t = await E(exporter).makeEphemeral(name);
      const p = E(t).hello('in flight');
      t = undefined;
      return p;
    },
    async holdKept(name) {
      held = await E(exporter).makeKept(name);
      return E(held).hello('holder');
    },
    dropHeld() {
      held = undefined;
      return 'dropped';
    },
    // re-import an object the exporter kept while we dropped it: identity must hold
    async reacquire(name) {
      held = await E(exporter).getKept(name);
      const same = await E(exporter).isKept(name, held);
      const hello = await E(held).hello('again');
      return harden({ same, hello, held });
    },
    // hand the exporter's own object back to it after the exporter forgot it
    async returnForgotten(name) {
      const t = await E(exporter).makeKept(name);
      await E(exporter).forget(name);
      return E(exporter).isKept(name, t);
    },
    async useHeld() {
      return E(held).getName();
    },
  });
}
