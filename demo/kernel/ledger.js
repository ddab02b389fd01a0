// A dynamic vat: a ledger created at run time from the "ledger" bundle. Its entries live only in
// its heap, so after every restart they come back from its heap snapshot and transcript.
import { Far } from '@endo/far';

export function buildRootObject(_vatPowers, vatParameters) {
  const entries = [];
  return Far('ledger', {
    record(what) {
      entries.push(what);
      return `${vatParameters.owner}'s ledger has ${entries.length} entries: ${entries.join(', ')}`;
    },
  });
}
