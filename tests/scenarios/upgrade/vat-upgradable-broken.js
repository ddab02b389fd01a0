// An upgrade that cannot start: the old incarnation must go on as if nothing happened.
export function buildRootObject() {
  throw Error('this incarnation refuses to start');
}
