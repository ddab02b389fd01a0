// A vat whose buildRootObject throws: createVat must reject and the kernel keep running.
export function buildRootObject() {
  throw Error('this vat refuses to start');
}
