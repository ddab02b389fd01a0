#pragma once
// Turns a config's BundleSource into bundle JSON text: reads a bundleSpec file, takes an inline
// bundle, or runs the pinned @endo/bundle-source (Node, via js/bundle-vat.mjs) on a sourceSpec.
// Node is needed only here, at init time; a kernel never needs it to run an existing state.
#include <string>

#include "swingset/config.h"

namespace swingset {

// Throws ConfigError naming `what` (e.g. "vat alice") and the file on any failure.
std::string loadBundleJson(const BundleSource& source, const std::string& what);

}  // namespace swingset
