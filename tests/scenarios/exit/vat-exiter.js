// A vat that terminates itself: exitVat (success) or exitVatWithFailure.
import { Far } from '@endo/far';

export function buildRootObject(vatPowers) {
  const never = [];
  let pings = 0;
  return Far('exiter', {
    ping(x) {
      pings += 1;
      return `pong ${x} #${pings}`;
    },
    makeThing(name) {
      return Far('ExitThing', { getName: () => name });
    },
    never() {
      // a result this vat decides and never resolves
      const p = new Promise(() => {});
      never.push(p);
      return p;
    },
    quit(why) {
      console.log('exiter: exitVat', why);
      vatPowers.exitVat(why);
      return 'quitting';
    },
    fail(msg) {
      console.log('exiter: exitVatWithFailure', msg);
      vatPowers.exitVatWithFailure(Error(msg));
      return 'failing';
    },
  });
}
