// Creates dynamic vats through the vat-admin service and keeps their roots and admin nodes.
import { Far, E } from '@endo/far';

const attempt = async creation => {
  try {
    await creation;
    return 'created';
  } catch (e) {
    return `failed: ${e.message}`;
  }
};

export function buildRootObject(vatPowers) {
  let svc;
  let device;
  const made = new Map();
  const track = (key, { root, adminNode }) => {
    const entry = { root, adminNode, outcome: ['pending'] };
    made.set(key, entry);
    E(adminNode)
      .done()
      .then(
        v => {
          entry.outcome = ['fulfilled', v];
        },
        e => {
          entry.outcome = ['rejected', e && e.message];
        },
      );
    return 'created';
  };
  return Far('bootstrap', {
    async bootstrap(vats, devices) {
      device = devices.vatAdmin;
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    async createByName(key, bundleName, start) {
      return track(key, await E(svc).createVatByName(bundleName, { name: key, vatParameters: { start } }));
    },
    async createByBundlecap(key, bundleName, start) {
      const bundleID = await E(svc).getBundleIDByName(bundleName);
      const bundlecap = await E(svc).getBundleCap(bundleID);
      return track(key, await E(svc).createVat(bundlecap, { name: key, vatParameters: { start } }));
    },
    tryCreate(bundleName) {
      return attempt(E(svc).createVatByName(bundleName, {}));
    },
    // `bundle` is inline: createVat takes a bundle object as well as a bundlecap.
    tryCreateInline(bundle) {
      return attempt(E(svc).createVat(bundle, {}));
    },
    increment(key) {
      return E(made.get(key).root).increment();
    },
    terminate(key, reason) {
      return E(made.get(key).adminNode).terminateWithFailure(Error(reason));
    },
    changeReapInterval(key, reapInterval) {
      return E(made.get(key).adminNode).changeOptions({ reapInterval });
    },
    outcome(key) {
      return made.get(key).outcome;
    },
    // Straight to the device, past the vat-admin vat's checks of the options' types.
    createByDevice(bundleName, options) {
      const bundleID = vatPowers.D(device).getBundleIDByName(bundleName);
      return vatPowers.D(device).createByBundleID(bundleID, options);
    },
  });
}
