#pragma once
// The two kinds of error a host sees. Vat faults never reach the host as exceptions: they cost
// only the vat (see src/kernel). Includes only std.
#include <stdexcept>
#include <string>

namespace swingset {

// An operator error: bad config.json, a missing or corrupt file, a bad flag, a state directory
// that is not ours. Thrown before any state changes; the message names the file, field or item.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken kernel invariant, an SQLite failure, a worker that died or hung. Once thrown, the
// store is latched broken and nothing more can be committed in this process.
class KernelPanic : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace swingset
