// bob answers pongs and exercises the value kinds a driver must decode.
import { Far } from '@endo/far';

export function buildRootObject() {
  let pongs = 0;
  const things = [];
  return Far('bob', {
    pong(n) {
      pongs += 1;
      console.log('bob: pong', n, { pongs });
      return `pong-${n}`;
    },
    getPongs() {
      return pongs;
    },
    makeThing(name) {
      const thing = Far('Thing', {
        getName: () => name,
        rename(newName) {
          console.log('thing renamed from', name, 'to', newName);
          name = newName;
          return name;
        },
      });
      things.push(thing);
      return thing;
    },
    kinds() {
      return harden({
        big: 12n,
        negBig: -3n,
        nothing: undefined,
        nul: null,
        bang: '!starts with bang',
        dash: '-dash',
        plain: 'plain',
        list: [1, 2.5, true, 'x'],
        nested: { b: 1, a: [{}] },
      });
    },
    echo(x) {
      return x;
    },
    fail(why) {
      console.warn('bob: failing on purpose');
      throw Error(`bob failed: ${why}`);
    },
  });
}
