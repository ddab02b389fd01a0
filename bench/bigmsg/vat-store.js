// Keeps the last string it was given (in its heap only).
import { Far } from '@endo/far';

export function buildRootObject() {
  let kept = '';
  return Far('store', {
    put(text) {
      kept = text;
      return text.length;
    },
    get() {
      return kept;
    },
  });
}
