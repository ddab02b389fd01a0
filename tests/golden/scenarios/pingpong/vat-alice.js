// alice pings her peer and counts the answers in her JS heap.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let peer;
  let pings = 0;
  return Far('alice', {
    setPeer(p) {
      peer = p;
      console.log('alice: got a peer');
    },
    async ping(n) {
      pings += 1;
      console.log('alice: ping', n, 'number', pings);
      const answer = await E(peer).pong(n);
      return harden({ n, answer, pings });
    },
    getPings() {
      return pings;
    },
  });
}
