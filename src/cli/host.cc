#include "cli/host.h"
#include "base/file.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "base/fd.h"
#include "base/json.h"
#include "swingset/controller.h"

namespace swingset {
namespace {

// `obj[key]` as a string; absent or of another type is the driver's error, named. (Every string
// field the protocol has is required.)
std::string stringField(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) throw ConfigError(fmt::format("request needs the string field '{}'", key));
  if (!it->is_string()) throw ConfigError(fmt::format("request field '{}' must be a string, not {}", key, toJson(*it)));
  return it->get<std::string>();
}

class Host {
 public:
  Host(std::string stateDir, ControllerOptions options) : stateDir_(std::move(stateDir)), options_(std::move(options)) {
    options_.onReplayProgress = [](const std::string& vatID, const std::string& name, uint64_t done, uint64_t total) {
      fmt::print(stderr, "replaying {} ({}): {}/{} deliveries\n", vatID, name, done, total);
    };
    options_.onConsole = [this](const std::string& vat, const std::string& level, const std::string& line) {
      logs_.push_back(Json::object({{"vat", vat}, {"level", level}, {"line", line}}));
    };
  }

  // Returns false when the host should exit.
  bool serve(const Json& req, Json& reply) {
    std::string op = stringField(req, "op");
    if (op == "init") {
      requireClosed();
      Config config = Config::load(stringField(req, "config"));
      std::string argv = toJson(req.value("argv", Json::array()));
      controller_ = Controller::initialize(stateDir_, config, argv, options_);
    } else if (op == "open") {
      requireClosed();
      controller_ = Controller::open(stateDir_, options_);
    } else if (op == "run") {
      RunResult r = open().run();
      open().commit();
      reply["cranks"] = r.cranks;
      if (std::optional<std::string> kpid = open().bootstrapResult()) reply["bootstrap"] = describe(*kpid);
    } else if (op == "send" || op == "queue") {
      bool noResult = op == "queue";
      std::string args = toJson(req.value("args", Json::object({{"body", "#[]"}, {"slots", Json::array()}})));
      std::string method = stringField(req, "method");
      auto target = req.find("target");
      bool byVat = target != req.end() && target->is_object() && target->contains("vat");
      if (!byVat && (target == req.end() || !target->is_object() || !target->contains("kref"))) {
        throw ConfigError("send needs target {\"vat\":NAME} or {\"kref\":KREF}");
      }
      std::optional<std::string> kpid = byVat ? open().queueToVatRoot(stringField(*target, "vat"), method, args, noResult)
                                              : open().queueToKref(stringField(*target, "kref"), method, args, noResult);
      if (!noResult) {
        RunResult r = open().run();
        open().commit();
        Json result = describe(*kpid);
        for (auto& [k, v] : result.items()) reply[k] = v;
        reply["cranks"] = r.cranks;
      }
    } else if (op == "installBundle") {
      std::string path = stringField(req, "bundle");
      std::optional<std::string> bundle = readFile(path);
      if (!bundle) throw ConfigError(fmt::format("cannot read bundle {}", path));
      reply["bundleID"] = open().validateAndInstallBundle(*bundle);
      open().commit();
    } else if (op == "shutdown") {
      if (controller_) controller_->shutdown();
      controller_.reset();
      return false;
    } else {
      throw ConfigError(fmt::format("unknown op '{}'", op));
    }
    return true;
  }

  std::vector<Json> takeLogs() { return std::exchange(logs_, {}); }
  // Printed by drivers, never compared: the activity hash shows whether two runs agree.
  std::optional<Json> stats() {
    if (!controller_) return std::nullopt;
    ControllerStats st = controller_->stats();
    return Json::object({{"activityHash", controller_->activityHash()},
                         {"deliveries", st.deliveries},
                         {"replayedDeliveries", st.replayedDeliveries},
                         {"workerSpawns", st.workerSpawns},
                         {"snapshotLoads", st.snapshotLoads},
                         {"snapshotSaves", st.snapshotSaves},
                         {"bornAhead", st.bornAhead}});
  }

 private:
  Controller& open() {
    if (!controller_) throw ConfigError("no kernel is open: send init or open first");
    return *controller_;
  }
  void requireClosed() {
    if (controller_) throw ConfigError("a kernel is already open");
  }
  Json describe(const std::string& kpid) {
    Json out = Json::object();
    PromiseStatus s = open().kpStatus(kpid);
    out["status"] = s == PromiseStatus::kFulfilled ? "fulfilled" : s == PromiseStatus::kRejected ? "rejected" : "unresolved";
    if (s != PromiseStatus::kUnresolved) out["result"] = *parseJson(open().kpResolution(kpid));
    return out;
  }

  std::string stateDir_;
  ControllerOptions options_;
  std::unique_ptr<Controller> controller_;
  std::vector<Json> logs_;
};

// Request lines can carry megabytes of capdata: stdin is read in large blocks, not by
// std::getline on the stdio-synced std::cin (one getc per byte).
class LineReader {
 public:
  // The next line without its newline; false at the end of input.
  bool next(std::string& line) {
    for (;;) {
      if (size_t nl = buf_.find('\n', scanned_); nl != std::string::npos) {
        scanned_ = 0;
        if (nl + 1 == buf_.size()) {  // the usual case: hand the buffer over rather than copy it
          buf_.pop_back();
          line = std::exchange(buf_, {});
        } else {
          line.assign(buf_, 0, nl);
          buf_.erase(0, nl + 1);
        }
        return true;
      }
      scanned_ = buf_.size();
      char chunk[1 << 16];
      size_t got = 0;
      if (readSome(0, chunk, sizeof chunk, got, kNoDeadline) != IoStatus::kOk) {
        line = std::exchange(buf_, {});  // a last line with no newline
        return !line.empty();
      }
      buf_.append(chunk, got);
    }
  }

 private:
  std::string buf_;
  size_t scanned_ = 0;  // buf_ has no newline before this
};

}  // namespace

int runHost(const std::string& stateDir, ControllerOptions options) {
  Host host(stateDir, std::move(options));
  LineReader input;
  std::string line;
  while (input.next(line)) {
    if (line.empty()) continue;
    auto start = std::chrono::steady_clock::now();
    std::optional<Json> req = parseJson(line);
    Json reply = Json::object();
    reply["id"] = req && req->is_object() ? req->value("id", Json()) : Json();
    bool goOn = true;
    int exitCode = 0;
    // Per-request catches: a refused request leaves the kernel usable; a panic ends the host.
    try {
      if (!req || !req->is_object()) throw ConfigError("request is not a JSON object");
      goOn = host.serve(*req, reply);
      reply["ok"] = true;
    } catch (const ConfigError& e) {
      reply["ok"] = false;
      reply["error"] = e.what();
    } catch (const std::exception& e) {  // a panic, or a bug of ours treated as one: no more commits
      bool panic = dynamic_cast<const KernelPanic*>(&e) != nullptr;
      reply["ok"] = false;
      reply["error"] = panic ? std::string(e.what()) : fmt::format("internal error: {}", e.what());
      reply["fatal"] = true;
      goOn = false;
      exitCode = 2;
    }
    reply["ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    reply["logs"] = host.takeLogs();
    if (goOn && exitCode == 0) {
      if (std::optional<Json> stats = host.stats()) reply["stats"] = *stats;
    }
    std::cout << toJson(reply) << std::endl;
    if (!goOn) return exitCode;
  }
  return 0;
}

}  // namespace swingset
