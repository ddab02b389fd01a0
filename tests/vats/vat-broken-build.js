// A vat whose buildRootObject throws: startVat must fail, not hang or crash the kernel.
export function buildRootObject() {
  throw Error('buildRootObject refuses to build');
}
