// A tiny vat for bundle tests: bundle-source packs it, with @endo/far, into a b1 bundle.
import { Far } from '@endo/far';

export const buildRootObject = () => Far('root', { hello: () => 'hi' });
