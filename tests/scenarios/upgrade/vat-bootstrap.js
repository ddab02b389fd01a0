// Drives upgrades and meters through the vat-admin service.
import { Far, E } from '@endo/far';

export function buildRootObject() {
  let svc;
  let vatAdminRoot;
  const made = new Map();
  const meters = new Map();
  const settle = p =>
    p.then(
      v => ['fulfilled', v],
      e => ['rejected', e && (e.message || e.name), e && e.upgradeMessage, e && e.incarnationNumber],
    );
  const track = (key, { root, adminNode }) => {
    const entry = { root, adminNode, outcome: ['pending'] };
    made.set(key, entry);
    settle(E(adminNode).done()).then(o => {
      entry.outcome = o;
    });
    return 'created';
  };
  return Far('bootstrap', {
    async bootstrap(vats, devices) {
      vatAdminRoot = vats.vatAdmin;
      svc = await E(vats.vatAdmin).createVatAdminService(devices.vatAdmin);
    },
    async createCritical(key) {
      const critical = await E(vatAdminRoot).getCriticalVatKey();
      return track(key, await E(svc).createVatByName('v1', { name: key, critical, vatParameters: { start: 0 } }));
    },
    async tryCritical(key) {
      try {
        await E(svc).createVatByName('v1', { name: key, critical: Far('fake', {}), vatParameters: { start: 0 } });
        return 'created';
      } catch (e) {
        return `failed: ${e.message}`;
      }
    },
    terminate: (key, reason) => E(made.get(key).adminNode).terminateWithFailure(Error(reason)),
    async create(key, bundleName, start) {
      return track(key, await E(svc).createVatByName(bundleName, { name: key, vatParameters: { start } }));
    },
    increment: key => E(made.get(key).root).increment(),
    version: key => E(made.get(key).root).version(),
    async keepThing(key) {
      made.get(key).thing = await E(made.get(key).root).makeThing();
      return 'kept';
    },
    pokeThing: key => settle(E(made.get(key).thing).poke()),
    hang(key) {
      made.get(key).hung = settle(E(made.get(key).root).hang());
      return 'hanging';
    },
    hungOutcome: key => made.get(key).hung,
    async upgrade(key, bundleName, vatParameters, upgradeMessage) {
      const bundlecap = await E(svc).getNamedBundleCap(bundleName);
      return settle(E(made.get(key).adminNode).upgrade(bundlecap, { vatParameters, upgradeMessage }));
    },
    outcome: key => made.get(key).outcome,

    async createMeter(name, remaining, threshold) {
      meters.set(name, await E(svc).createMeter(BigInt(remaining), BigInt(threshold)));
      return 'made';
    },
    async createUnlimitedMeter(name) {
      meters.set(name, await E(svc).createUnlimitedMeter());
      return 'made';
    },
    async meterState(name) {
      const { remaining, threshold } = await E(meters.get(name)).get();
      return [String(remaining), String(threshold)];
    },
    addRemaining: (name, delta) => E(meters.get(name)).addRemaining(BigInt(delta)),
    setThreshold: (name, threshold) => E(meters.get(name)).setThreshold(BigInt(threshold)),
    async createMetered(key, meterName) {
      return track(key, await E(svc).createVatByName('burner', { name: key, meter: meters.get(meterName) }));
    },
    burn: (key, n) => settle(E(made.get(key).root).burn(n)),
  });
}
