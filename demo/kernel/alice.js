// Alice remembers whom she met and talks to them with eventual sends.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let friend;
  let chats = 0;
  return Far('alice', {
    async meet(bob) {
      friend = bob;
      const greeting = await E(bob).greet('Alice');
      console.log(`Bob said "${greeting}"`);
      return greeting;
    },
    async talkAbout(topic) {
      chats += 1;
      const opinion = await E(friend).opine(topic);
      return `chat #${chats} about ${topic}: Bob thinks ${opinion}`;
    },
  });
}
