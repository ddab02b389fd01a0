#pragma once
// XsnapWorker: one xsnap-worker child process running lockdown, the liveslots supervisor and one
// vat (reference/xsnap-worker.md, supervisor.md). Pipes: fd 3 commands, fd 4 replies and
// upcalls, fd 7 heap snapshot out; a snapshot to start from is a file the child opens by path.
// One command is outstanding at a time, and every `?` upcall gets exactly one `/` answer before
// anything else is sent.
// Invariant: once a command fails (death, hang, protocol error) the process is killed and reaped,
// and every later call reports the same failure; nothing is ever sent to it again.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/netstring.h"
#include "base/subprocess.h"
#include "worker/snapshot_buffer.h"
#include "worker/worker.h"
#include "worker/worker_packages.h"

namespace swingset {

struct XsnapOptions {
  std::filesystem::path executable;
  std::string vatID;                         // argv[1] is "<vatID>:<name>", as in SwingSet
  std::string name;                          // for console lines and error messages
  // The vatID liveslots is built with (setBundle), which it puts in the error IDs it makes. Empty:
  // `vatID`. Only an imported vat has another: the one its transcript was made under.
  std::string liveSlotsVatID;
  std::optional<uint64_t> computeLimit;      // `-l N`: metered (dynamic) vats only
  std::chrono::milliseconds hangTimeout{0};  // silence longer than this kills it; 0 = never
  ConsoleSink* console = nullptr;            // not owned, outlives the worker; null drops output
  size_t maxMessageBytes = size_t{256} << 20;
};

// What a raw `e` or `?` command came back with.
struct CommandResult {
  DeliveryStatus status = DeliveryStatus::kOk;  // kOk, or kVatError for a `!` reply
  std::string result;                           // the reply bytes (or the `!` error text)
  std::string problem;
  MeterUsage meter;
};

class XsnapWorker final : public Worker {
 public:
  // Starts a bare xsnap machine (no lockdown, no supervisor). Panics if it cannot be started.
  static std::unique_ptr<XsnapWorker> start(const XsnapOptions& options);
  // Starts one from a heap snapshot, and waits until it is ready (it has read all of `heap`, which
  // it opens by its /proc path: the buffer may go once this returns). Panics, naming the vat, if
  // the worker cannot load it.
  static std::unique_ptr<XsnapWorker> startFromSnapshot(const XsnapOptions& options,
                                                        const SnapshotBuffer& heap, std::string_view label);
  ~XsnapWorker() override;

  // A fresh worker's launch sequence: evaluate lockdown, then the supervisor, then setBundle.
  // kOk when the supervisor answered ["dispatchReady"]; kVatError if the vat bundle was refused.
  DeliveryResult loadVat(const WorkerPackages& packages, std::string_view vatBundleJson,
                         std::string_view liveSlotsOptionsJson);
  // The two halves of loadVat: a worker started from a snapshot taken after loadSupervisor (a
  // "supervisor snapshot") needs only setBundle, which saves ~350 ms per new vat.
  DeliveryResult loadSupervisor(const WorkerPackages& packages);
  DeliveryResult setBundle(std::string_view vatBundleJson, std::string_view liveSlotsOptionsJson);

  DeliveryResult deliver(std::string_view vatDeliveryObjectJson,
                         SyscallHandler& onSyscall) override;
  SavedSnapshot saveSnapshot(SnapshotBuffer& heap) override;
  void shutdown() override;
  // Ends the worker at once (SIGKILL) and reaps it, for one whose heap is no longer wanted: on an
  // orderly exit xsnap first frees its whole heap, which costs a core several ms.
  void kill();

  // Raw protocol, for the launch sequence, tests and benchmarks.
  CommandResult evaluate(std::string_view code);     // `e`
  CommandResult issueCommand(std::string_view bytes);  // `?`
  bool alive() const { return !failure_; }
  // alive(), and the process has not exited on its own since the last command (it is reaped if so).
  bool running() const { return alive() && !process_->wait(Clock::now()); }
  void setHangTimeout(std::chrono::milliseconds t) { options_.hangTimeout = t; }
  // Gives a worker started ahead of need (a warm spare) its vat's identity. The command line is
  // fixed at start, so the compute limit must be the one it was started with.
  void assign(const XsnapOptions& options);
  // Where console upcalls go from now on (null drops them, e.g. during transcript replay).
  void setConsole(ConsoleSink* console) { options_.console = console; }
  pid_t pid() const { return process_->pid(); }
  std::optional<ExitStatus> exitStatus() const { return process_->exitStatus(); }

 private:
  XsnapWorker(const XsnapOptions& options, const SnapshotBuffer* heap, std::string_view label);
  CommandResult run(char tag, std::string_view payload, SyscallHandler* onSyscall);
  std::string answerUpcall(std::string_view request, SyscallHandler* onSyscall);
  // Reads until one whole frame is parsed, or fails the worker (and returns nullopt).
  std::optional<std::string> readFrame();
  bool send(char tag, std::string_view payload);
  // Latches a failure: kills and reaps the process and records what happened.
  void fail(DeliveryStatus status, std::string problem);
  CommandResult failed() const;
  Clock::time_point deadline() const;
  std::string who() const;

  XsnapOptions options_;
  std::unique_ptr<ChildProcess> process_;
  Fd toWorker_, fromWorker_;
  NetstringParser parser_;
  std::string readBuf_;
  std::string writeBuf_;
  std::optional<CommandResult> failure_;
};

}  // namespace swingset
