#pragma once
// Vat archives: one vat taken out of a kernel's state without starting its worker, and installed
// in another kernel as a new dynamic vat (`swingset export-vat` / `swingset import-vat`). The
// archive is a copy: the vat goes on living in the kernel it came from.
//
// Format, version 1: one header line, then the payload.
//   {"format":"swingset-vat-archive","version":1,"payloadBytes":N,"payloadSha256":"<hex>"}\n
//   payload: netstring pairs (part name, part bytes), in this order:
//     manifest    JSON: vatID, name, source, options, vatParameters, nextImportIDs, span, snapshot,
//                 clist (see encodeManifest in vat_archive.cc)
//     bundle      the vat's source bundle, JSON, as the bundle store returns it
//     workerBundles  only for a vat without a snapshot: the lockdown and supervisor bundles its
//                 workerOptions.bundleIDs name, each a netstring, so that another kernel, with
//                 other packages, can rebuild it on the code it was made with
//     snapshot    the gzip bytes of the vat's heap snapshot in use (only if it has one)
//     transcript  the current transcript span's items, each a netstring
//     vatstore    vatstore keys and values, alternately, each a netstring, in key order
// The header must be byte-for-byte the compact JSON we write and the payload must hash to it, so
// any changed byte is refused. Each part is also checked against the manifest: the bundles against
// their IDs, the items against the span's hash chain, the snapshot against its hash and snapPos.
//
// What the vat's references become in the importing kernel (new krefs; the vat's vrefs, vatstore,
// heap and transcript are unchanged, so replay needs nothing else):
//   o+N exports          fresh objects owned by the vat. o+0 is pinned, so the host can always
//                        reach the root; every other export is held by nobody there, so the usual
//                        GC actions (dropExports, retireExports) tell the vat on the next run.
//   o-N imports          fresh objects with no owner: broken references. Sends to them are
//                        rejected "vat terminated", as for any object whose vat is gone.
//   promises it decides  (unresolved) fresh promises it decides.
//   other promises       fresh promises, settled now: with the same resolution if it was settled
//                        and carried no slots, else rejected "vat terminated". If the vat was
//                        subscribed it is notified on the next run.
//   vatParameters slots  through the c-list, or (if the vat no longer holds them) fresh broken
//                        references held only by vatParameters.
//   device nodes         not carried: export refuses a vat that holds one.
// Not carried: earlier transcript spans and snapshots, messages and notifications still queued for
// the vat, reap dirt, and its meter (an imported vat is unmetered). Refcounts are written exactly
// as the kernel's own allocation paths write them, then processRefcounts() runs.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "kernel/capdata.h"
#include "kernel/kernel.h"
#include "kernel/refs.h"
#include "kernel/state/kernel_state.h"
#include "kernel/state/vat_state.h"
#include "store/kernel_storage.h"
#include "store/snap_store.h"
#include "store/transcript_store.h"
#include "swingset/controller.h"
#include "worker/worker_packages.h"

namespace swingset {

// One c-list entry, by the vat's own vref. Promise fields apply to promises only.
struct ArchivedRef {
  VatSlot vref;
  bool reachable = true;      // the entry's flag: R or _
  bool decidedByVat = false;  // unresolved, and this vat decides it
  PromiseState state = PromiseState::kUnresolved;
  bool subscribed = false;       // the vat awaits a notify for it
  std::optional<CapData> data;   // a settled promise's resolution, when it carries no slots
};

struct VatArchive {
  std::string vatID;  // in the kernel it came from (informational)
  std::string name;   // its `name` option, "" if none
  std::string bundleID;
  std::string bundle;
  std::vector<std::string> workerBundles;  // texts, in workerOptions.bundleIDs order; see above
  Json options;  // vN.options as stored, `meterID` dropped
  // As startVat had it; each slot is a vref of `clist`, or a kref of the old kernel that the vat
  // no longer holds.
  std::optional<CapData> vatParameters;
  VatState::NextImportIDs nextImportIDs;
  SpanBounds span;
  std::vector<std::string> transcript;  // the items of `span`
  std::optional<SnapStore::CompressedSnapshot> snapshot;
  std::vector<ArchivedRef> clist;
  std::vector<std::pair<std::string, std::string>> vatstore;
};

// Reads one live vat out of a kernel's state, writing nothing. ConfigError if it cannot be moved:
// terminated, not started yet, holding a device node, or its bundle is missing.
VatArchive exportVatArchive(KernelStorage& storage, KernelState& state, const std::string& vatID);

// The archive's bytes; `payloadSha256`, if given, gets the hash its header carries.
std::string encodeVatArchive(const VatArchive& archive, std::string* payloadSha256 = nullptr);
// Parses an archive's bytes and checks each part against the manifest (bundle ID, span hash,
// snapshot hash and position). ConfigError naming `file` and what failed. The header's hash
// catches damage, not a deliberate edit (anyone can re-seal an archive): `expectedSha256`, if not
// empty, binds it to the payload hash export-vat printed, passed on by a channel the user trusts.
VatArchive decodeVatArchive(std::string_view bytes, const std::string& file, const std::string& expectedSha256 = "");

// Installs a decoded archive as a new dynamic vat named `name` (its own name if ""), in one store
// crank. First checks, writing nothing, that the name is free and that this kernel runs the same
// worker bundles; ConfigError naming `file` otherwise. decodeVatArchive() has checked everything
// else, so after these checks only a KernelPanic can stop it, and that latches the store broken.
ImportedVat importVatArchive(KernelStorage& storage, Kernel& kernel, const WorkerPackages& packages,
                             const VatArchive& archive, const std::string& name, const std::string& file);

}  // namespace swingset
