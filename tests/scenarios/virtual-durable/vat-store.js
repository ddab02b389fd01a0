// Virtual and durable objects through @agoric/vat-data: state lives in the vatstore (kernel
// side), not in the JS heap.
import { Far } from '@endo/far';
import {
  defineKind,
  defineDurableKind,
  makeKindHandle,
  provideDurableMapStore,
  makeScalarBigMapStore,
  provide,
} from '@agoric/vat-data';

export function buildRootObject(_vatPowers, _vatParameters, baggage) {
  const makeCounter = defineKind(
    'VCounter',
    (name, start) => ({ name, n: start }),
    {
      incr: ({ state }, by = 1) => {
        state.n += by;
        return state.n;
      },
      get: ({ state }) => harden({ name: state.name, n: state.n }),
    },
  );
  const handle = provide(baggage, 'dcounterHandle', () => makeKindHandle('DCounter'));
  const makeDurableCounter = defineDurableKind(
    handle,
    (name, start) => ({ name, n: start, history: harden([]) }),
    {
      incr: ({ state }, by = 1) => {
        state.n += by;
        state.history = harden([...state.history, by]);
        return state.n;
      },
      get: ({ state }) => harden({ name: state.name, n: state.n, history: state.history }),
    },
  );
  const registry = provideDurableMapStore(baggage, 'registry');
  const bigMap = makeScalarBigMapStore('virtual map');
  if (!baggage.has('opens')) {
    baggage.init('opens', 0);
  }
  baggage.set('opens', baggage.get('opens') + 1);
  let made = 0;
  return Far('store', {
    makeVirtual(name, start) {
      made += 1;
      const c = makeCounter(name, start);
      bigMap.init(name, c);
      return c;
    },
    makeDurable(name, start) {
      made += 1;
      const c = makeDurableCounter(name, start);
      registry.init(name, c);
      return c;
    },
    lookupDurable(name) {
      return registry.get(name);
    },
    lookupVirtual(name) {
      return bigMap.get(name);
    },
    // many virtual objects: only the vatstore holds them
    makeMany(prefix, count) {
      for (let i = 0; i < count; i += 1) {
        registry.init(`${prefix}${i}`, makeDurableCounter(`${prefix}${i}`, i));
      }
      return registry.getSize();
    },
    sumMany(prefix, count) {
      let sum = 0;
      for (let i = 0; i < count; i += 1) {
        const c = registry.get(`${prefix}${i}`);
        sum += c.incr(1);
      }
      return sum;
    },
    summary() {
      return harden({
        keys: [...registry.keys()],
        virtualKeys: [...bigMap.keys()],
        opens: baggage.get('opens'),
        made,
        baggageKeys: [...baggage.keys()],
      });
    },
  });
}
