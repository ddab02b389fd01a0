#pragma once
// `swingset host --state DIR`: the long-running JSON-lines host of docs/host-protocol.md. One
// request per stdin line, served strictly in order; one reply per line on stdout.
#include <string>

#include "swingset/controller.h"

namespace swingset {

// Serves until `shutdown` or EOF; returns the process exit code (2 after a kernel panic).
// `options` carries the runtime flags; the host sets its own console and progress callbacks.
int runHost(const std::string& stateDir, ControllerOptions options);

}  // namespace swingset
