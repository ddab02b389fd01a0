// The demo vat: keeps a guest book in the heap and a visit counter in baggage (the vatstore).
import { Far } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters, baggage) {
  const guests = [];
  if (!baggage.has('visits')) baggage.init('visits', 0);
  return Far('greeter', {
    greet(name) {
      guests.push(name);
      baggage.set('visits', baggage.get('visits') + 1);
      console.log(`greeting ${name}`);
      return `${vatParameters.greeting}, ${name}! You are visitor #${baggage.get('visits')}.`;
    },
    guests() {
      return harden([...guests]);
    },
  });
}
