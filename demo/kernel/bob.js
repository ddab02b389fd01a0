// Bob answers greetings, hands out counters, and has opinions; he refuses to discuss taxes.
import { Far } from '@endo/far';

export function buildRootObject() {
  return Far('bob', {
    greet(name) {
      return `hello, ${name}`;
    },
    makeCounter(start) {
      let n = start;
      return Far('counter', {
        increment() {
          n += 1;
          return n;
        },
      });
    },
    opine(topic) {
      if (topic === 'taxes') throw Error('Bob will not talk about taxes');
      return `${topic} is wonderful`;
    },
  });
}
