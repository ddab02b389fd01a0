#include "worker/xsnap_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>

#include <nlohmann/json.hpp>

#include "base/panic.h"
#include "base/sha.h"

namespace swingset {
namespace {

constexpr size_t kReadChunk = size_t{1} << 18;

// A worker that dies makes our next write to its pipe raise SIGPIPE, which would kill the whole
// kernel. Ignoring it turns that into EPIPE, which we report as a dead worker.
void ignoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

void setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  SS_INSIST(flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0, "fcntl O_NONBLOCK: {}",
            std::strerror(errno));
}

// Reads `"key":<digits>` from the worker's fixed-format meter JSON (xsnap-worker.md §5).
uint64_t meterField(std::string_view meter, std::string_view key) {
  std::string needle = fmt::format("\"{}\":", key);
  size_t at = meter.find(needle);
  if (at == std::string_view::npos) return 0;
  const char* p = meter.data() + at + needle.size();
  uint64_t v = 0;
  std::from_chars(p, meter.data() + meter.size(), v);
  return v;
}

// Exit codes xsnap uses for meter faults, mapped as the JS manager does.
std::optional<std::string> meterFault(const ExitStatus& s) {
  if (s.signaled) return std::nullopt;
  switch (s.code) {
    case 17: return "Compute meter exceeded";
    case 12: return "Stack meter exceeded";
    case 11: return "Allocate meter exceeded";
    default: return std::nullopt;
  }
}

}  // namespace

XsnapWorker::XsnapWorker(const XsnapOptions& options, const SnapshotBuffer* heap, std::string_view label)
    : options_(options), parser_(options.maxMessageBytes) {
  ignoreSigpipeOnce();
  Pipe commands = makePipe();
  Pipe replies = makePipe();
  SpawnSpec spec;
  spec.path = options_.executable.string();
  spec.argv = {spec.path, options_.vatID + ":" + options_.name};  // xsnap skips words without '-'
  if (heap) {
    // The child opens the memory file by its /proc path and closes it once loaded. Inheriting it
    // instead (`-r @8`) would keep the snapshot's memory alive for the worker's whole life: xsnap
    // reads a dup of fd 8 and never closes fd 8 itself (10 MB of shmem per worker).
    spec.argv.insert(spec.argv.end(), {fmt::format("snapshot:{}", label), "-r", heap->path()});
  }
  if (options_.computeLimit) spec.argv.insert(spec.argv.end(), {"-l", std::to_string(*options_.computeLimit)});
  spec.fds = {{3, commands.read.get()}, {4, replies.write.get()}};
  process_ = std::make_unique<ChildProcess>(spec);
  toWorker_ = std::move(commands.write);
  fromWorker_ = std::move(replies.read);
  setNonBlocking(toWorker_.get());
  setNonBlocking(fromWorker_.get());
  readBuf_.resize(kReadChunk);
}

void XsnapWorker::assign(const XsnapOptions& options) {
  SS_INSIST(options.executable == options_.executable && options.computeLimit == options_.computeLimit,
            "a spare worker cannot become {}: it was started with another command line", options.vatID);
  options_ = options;
}

XsnapWorker::~XsnapWorker() { shutdown(); }

std::unique_ptr<XsnapWorker> XsnapWorker::start(const XsnapOptions& options) {
  return std::unique_ptr<XsnapWorker>(new XsnapWorker(options, nullptr, ""));
}

std::unique_ptr<XsnapWorker> XsnapWorker::startFromSnapshot(const XsnapOptions& options,
                                                            const SnapshotBuffer& heap,
                                                            std::string_view label) {
  std::unique_ptr<XsnapWorker> w(new XsnapWorker(options, &heap, label));
  // `R` is answered by a bare "." once the snapshot is loaded (no meter, no \x01).
  std::optional<std::string> ready = w->send('R', "") ? w->readFrame() : std::nullopt;
  if (!ready || *ready != ".") {
    if (ready) w->fail(DeliveryStatus::kProtocolError, fmt::format("answered R with '{}'", *ready));
    panic(fmt::format("{} could not start from snapshot {}: {}", w->who(), label,
                      w->failure_->problem));
  }
  return w;
}

std::string XsnapWorker::who() const {
  return fmt::format("xsnap worker of vat {} ({})", options_.vatID, options_.name);
}

Clock::time_point XsnapWorker::deadline() const {
  return options_.hangTimeout.count() > 0 ? Clock::now() + options_.hangTimeout : kNoDeadline;
}

void XsnapWorker::fail(DeliveryStatus status, std::string problem) {
  if (failure_) return;
  std::optional<ExitStatus> exit = process_->exitStatus();
  if (!exit && status == DeliveryStatus::kWorkerDied) {
    // It closed its pipe: give it a moment to finish exiting so we can read why.
    exit = process_->wait(Clock::now() + std::chrono::seconds(2));
  }
  if (!exit) {
    process_->kill(SIGKILL);
    exit = process_->wait();
  }
  if (status == DeliveryStatus::kWorkerDied) {
    if (std::optional<std::string> fault = meterFault(*exit)) {
      status = DeliveryStatus::kMeterExceeded;
      problem = *fault;
    } else {
      problem = fmt::format("{} ({})", problem, exit->describe());
    }
  }
  CommandResult r;
  r.status = status;
  r.problem = status == DeliveryStatus::kMeterExceeded ? problem : fmt::format("{}: {}", who(), problem);
  failure_ = std::move(r);
  toWorker_.reset();
  fromWorker_.reset();
}

CommandResult XsnapWorker::failed() const { return *failure_; }

bool XsnapWorker::send(char tag, std::string_view payload) {
  if (failure_) return false;
  writeBuf_.clear();
  appendNetstringHeader(writeBuf_, payload.size() + 1);
  writeBuf_.push_back(tag);
  writeBuf_.append(payload);
  writeBuf_.push_back(',');
  switch (writeAll(toWorker_.get(), writeBuf_, deadline())) {
    case IoStatus::kOk: return true;
    case IoStatus::kTimeout:
      fail(DeliveryStatus::kTimedOut, fmt::format("did not read a command within {} ms", options_.hangTimeout.count()));
      return false;
    default: fail(DeliveryStatus::kWorkerDied, "its command pipe closed"); return false;
  }
}

std::optional<std::string> XsnapWorker::readFrame() {
  for (;;) {
    if (std::optional<std::string> frame = parser_.next()) return frame;
    if (!parser_.error().empty()) {
      fail(DeliveryStatus::kProtocolError, parser_.error());
      return std::nullopt;
    }
    size_t got = 0;
    switch (readSome(fromWorker_.get(), readBuf_.data(), readBuf_.size(), got, deadline())) {
      case IoStatus::kOk: parser_.feed(readBuf_.data(), got); break;
      case IoStatus::kTimeout:
        fail(DeliveryStatus::kTimedOut, fmt::format("hung: no answer within {} ms, killed", options_.hangTimeout.count()));
        return std::nullopt;
      default: fail(DeliveryStatus::kWorkerDied, "died"); return std::nullopt;
    }
  }
}

CommandResult XsnapWorker::run(char tag, std::string_view payload, SyscallHandler* onSyscall) {
  if (!send(tag, payload)) return failed();
  for (;;) {
    std::optional<std::string> frame = readFrame();
    if (!frame) return failed();
    if (frame->empty()) {
      fail(DeliveryStatus::kProtocolError, "sent an empty message");
      return failed();
    }
    char kind = (*frame)[0];
    if (kind == '?') {
      std::string answer = answerUpcall(std::string_view(*frame).substr(1), onSyscall);
      if (failure_ || !send('/', answer)) return failed();
      continue;
    }
    CommandResult r;
    if (kind == '!') {
      r.status = DeliveryStatus::kVatError;
      r.result = frame->substr(1);
      r.problem = r.result;
      return r;
    }
    if (kind != '.') {
      fail(DeliveryStatus::kProtocolError, fmt::format("sent a message tagged '{}'", kind));
      return failed();
    }
    std::string_view body = std::string_view(*frame).substr(1);
    if (size_t sep = body.find('\x01'); sep != std::string_view::npos) {
      std::string_view meter = body.substr(0, sep);
      r.meter.compute = meterField(meter, "compute");
      r.meter.currentHeapCount = meterField(meter, "currentHeapCount");
      r.meter.allocate = meterField(meter, "allocate");
      body.remove_prefix(sep + 1);
    }
    r.result = body;
    return r;
  }
}

std::string XsnapWorker::answerUpcall(std::string_view request, SyscallHandler* onSyscall) {
  // The supervisor's syscall upcall is exactly `["syscall",<VatSyscallObject>]`: slice out the
  // VSO rather than parse and re-serialize it.
  constexpr std::string_view kSyscall = "[\"syscall\",";
  if (request.starts_with(kSyscall) && request.ends_with(']')) {
    if (!onSyscall) {
      fail(DeliveryStatus::kProtocolError, "made a syscall outside a delivery");
      return {};
    }
    return onSyscall->syscall(request.substr(kSyscall.size(), request.size() - kSyscall.size() - 1));
  }
  nlohmann::json j = nlohmann::json::parse(request, nullptr, false);
  std::string tag = j.is_array() && !j.empty() && j[0].is_string() ? j[0].get<std::string>() : "";
  if (tag == "sourcedConsole" && j.size() >= 3) {
    if (options_.console) {
      std::vector<std::string> args;
      for (size_t i = 3; i < j.size(); i++) args.push_back(j[i].is_string() ? j[i].get<std::string>() : j[i].dump());
      options_.console->console(options_.name, j[1].is_string() ? j[1].get<std::string>() : "",
                                j[2].is_string() ? j[2].get<std::string>() : "", args);
    }
    return R"(["ok"])";
  }
  if (tag == "testLog") {
    if (options_.console) {
      std::vector<std::string> args;
      for (size_t i = 1; i < j.size(); i++) args.push_back(j[i].is_string() ? j[i].get<std::string>() : j[i].dump());
      options_.console->console(options_.name, "testLog", "log", args);
    }
    return R"(["OK"])";
  }
  fail(DeliveryStatus::kProtocolError,
       fmt::format("sent an unknown upcall {}", request.substr(0, 80)));
  return {};
}

CommandResult XsnapWorker::evaluate(std::string_view code) { return run('e', code, nullptr); }

CommandResult XsnapWorker::issueCommand(std::string_view bytes) { return run('?', bytes, nullptr); }

DeliveryResult XsnapWorker::loadSupervisor(const WorkerPackages& packages) {
  DeliveryResult out;
  for (const WorkerBundle* b : {&packages.lockdown, &packages.supervisor}) {
    CommandResult r = evaluate(b->evalSource());
    if (r.status != DeliveryStatus::kOk) {
      out.status = r.status == DeliveryStatus::kVatError ? DeliveryStatus::kProtocolError : r.status;
      out.problem = fmt::format("{}: evaluating worker bundle {} failed: {}", who(), b->bundleID, r.problem);
      return out;
    }
  }
  return out;
}

DeliveryResult XsnapWorker::setBundle(std::string_view vatBundleJson, std::string_view liveSlotsOptionsJson) {
  const std::string& builtAs = options_.liveSlotsVatID.empty() ? options_.vatID : options_.liveSlotsVatID;
  std::string cmd = fmt::format("[\"setBundle\",{},{},{}]", nlohmann::json(builtAs).dump(),
                                vatBundleJson, liveSlotsOptionsJson);
  CommandResult r = issueCommand(cmd);
  DeliveryResult out;
  out.meter = r.meter;
  if (r.status != DeliveryStatus::kOk) {
    out.status = r.status;
    out.problem = r.problem;
  } else if (r.result != R"(["dispatchReady"])") {
    out.status = DeliveryStatus::kVatError;
    out.problem = fmt::format("vat {} ({}): setBundle failed: {}", options_.vatID, options_.name, r.result);
  }
  out.reply = std::move(r.result);
  return out;
}

DeliveryResult XsnapWorker::loadVat(const WorkerPackages& packages, std::string_view vatBundleJson,
                                    std::string_view liveSlotsOptionsJson) {
  DeliveryResult out = loadSupervisor(packages);
  return out.ok() ? setBundle(vatBundleJson, liveSlotsOptionsJson) : out;
}

DeliveryResult XsnapWorker::deliver(std::string_view vdo, SyscallHandler& onSyscall) {
  std::string cmd;
  cmd.reserve(vdo.size() + 13);
  cmd.append("[\"deliver\",").append(vdo).push_back(']');
  CommandResult r = run('?', cmd, &onSyscall);
  DeliveryResult out;
  out.meter = r.meter;
  if (r.status != DeliveryStatus::kOk) {
    out.status = r.status == DeliveryStatus::kVatError ? DeliveryStatus::kProtocolError : r.status;
    out.problem = r.problem;
    if (alive()) fail(out.status, fmt::format("threw while delivering: {}", r.problem));
    return out;
  }
  // VatDeliveryResult: ["ok", X, null] or ["error", message, null]; the supervisor's own failure
  // is ["err", name, message], which the JS kernel treats as fatal.
  if (r.result.starts_with(R"(["ok",)")) {
    out.status = DeliveryStatus::kOk;
  } else if (r.result.starts_with(R"(["error",)")) {
    out.status = DeliveryStatus::kVatError;
    nlohmann::json j = nlohmann::json::parse(r.result, nullptr, false);
    out.problem = !j.is_discarded() && j.size() > 1 && j[1].is_string() ? j[1].get<std::string>() : r.result;
  } else {
    fail(DeliveryStatus::kProtocolError, fmt::format("answered a delivery with {}", r.result.substr(0, 200)));
    return {DeliveryStatus::kProtocolError, "", failure_->problem, {}};
  }
  out.reply = std::move(r.result);
  return out;
}

SavedSnapshot XsnapWorker::saveSnapshot(SnapshotBuffer& heap) {
  // `w PATH`: the worker opens the memory file by its /proc path, truncates it and writes the heap
  // straight into it, then answers with the size. Meanwhile we hash what it has appended so far,
  // so the hash is done about when the heap is. (Through a pipe, `w@7`, every byte was also copied
  // through this process 64 KB at a time, the worker blocked whenever the pipe was full.)
  SS_INSIST(heap.fileSize() == 0, "{}: a heap snapshot goes only into an empty buffer", who());
  if (!send('w', heap.path())) panic(fmt::format("cannot snapshot: {}", failure_->problem));
  Sha256 hash;
  uint64_t hashed = 0;
  auto hashUpTo = [&](uint64_t end) {
    while (hashed < end) {
      size_t n = heap.readAt(hashed, readBuf_.data(), std::min<uint64_t>(readBuf_.size(), end - hashed));
      SS_INSIST(n > 0, "{}: its heap snapshot shrank while being written", who());
      hash.update(readBuf_.data(), n);
      hashed += n;
    }
  };
  Clock::time_point until = deadline();
  for (pollfd answer{fromWorker_.get(), POLLIN, 0}; ::poll(&answer, 1, 1) == 0;) {
    hashUpTo(heap.fileSize());
    if (Clock::now() > until) {
      fail(DeliveryStatus::kTimedOut, "hung while writing a heap snapshot, killed");
      panic(failure_->problem);
    }
  }
  std::optional<std::string> frame = readFrame();
  if (!frame) panic(fmt::format("heap snapshot failed: {}", failure_->problem));
  uint64_t size = 0;
  size_t sep = frame->find('\x01');
  auto [end, ec] = frame->size() > 1 && (*frame)[0] == '.' && sep != std::string::npos
                       ? std::from_chars(frame->data() + sep + 1, frame->data() + frame->size(), size)
                       : std::from_chars_result{nullptr, std::errc::invalid_argument};
  if (ec != std::errc()) {
    fail(DeliveryStatus::kProtocolError, fmt::format("answered w with '{}'", frame->substr(0, 200)));
    panic(failure_->problem);
  }
  SS_INSIST(heap.written(size), "{}: its heap snapshot is not the {} bytes it reported", who(), size);
  hashUpTo(size);
  return SavedSnapshot{size, hash.hexDigest()};
}

void XsnapWorker::kill() {
  if (!process_ || process_->exitStatus()) return;
  process_->kill(SIGKILL);
  process_->wait();
}

void XsnapWorker::shutdown() {
  if (!process_ || process_->exitStatus()) return;
  if (!failure_ && send('q', "")) {
    toWorker_.reset();  // EOF on fd 3 also tells it to leave
    if (process_->wait(Clock::now() + std::chrono::seconds(2))) return;
  }
  process_->kill(SIGKILL);
  process_->wait();
}

}  // namespace swingset
