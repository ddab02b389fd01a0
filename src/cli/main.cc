// `swingset`: the command-line host. Every command but `host` is one complete host incarnation
// (open, work, commit, close), so a sequence of commands is a sequence of restarts.
// stdout carries only results (one JSON object); vat console output goes to stderr.
// Exit codes: 0 ok; 1 request refused (no state change); 2 kernel panic (nothing committed);
// 64 usage error.
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/json.h"
#include "base/file.h"
#include "cli/host.h"
#include "kernel/plain_json.h"
#include "swingset/controller.h"

namespace swingset {
namespace {

ControllerOptions consoleToStderr(ControllerOptions o) {
  o.onReplayProgress = [](const std::string& vatID, const std::string& name, uint64_t done, uint64_t total) {
    fmt::print(stderr, "replaying {} ({}): {}/{} deliveries\n", vatID, name, done, total);
  };
  o.onConsole = [](const std::string& vat, const std::string&, const std::string& line) {
    fmt::print(stderr, "{}: {}\n", vat, line);
  };
  return o;
}

const char* statusName(PromiseStatus s) {
  switch (s) {
    case PromiseStatus::kFulfilled: return "fulfilled";
    case PromiseStatus::kRejected: return "rejected";
    default: return "unresolved";
  }
}

void printJson(const Json& j) { std::cout << toJson(j) << std::endl; }

// {"status":…,"result":capdata,"value":plain} for a result promise.
Json describeResult(Controller& c, const std::string& kpid) {
  Json out = Json::object();
  PromiseStatus s = c.kpStatus(kpid);
  out["status"] = statusName(s);
  if (s != PromiseStatus::kUnresolved) {
    std::string capdata = c.kpResolution(kpid);
    out["result"] = *parseJson(capdata);
    DecodedPlain plain = decodeToPlain(capdata);
    out["value"] = plain.value ? *plain.value : Json::object({{"@undecodable", plain.error}});
  }
  return out;
}

// Arguments of export-vat and import-vat.
struct ArchiveArgs {
  std::string vat, out, archive, name, expectSha256;
};

int runCommand(CLI::App& app, const ControllerOptions& runtime, const std::string& state, const std::string& config,
               const std::string& argv, const std::vector<std::string>& send, const std::string& bundle,
               const ArchiveArgs& archive) {
  if (app.got_subcommand("init")) {
    Config cfg = Config::load(config);
    for (const std::string& n : cfg.notices) fmt::print(stderr, "notice: {}\n", n);
    auto c = Controller::initialize(state, cfg, argv.empty() ? "[]" : argv, consoleToStderr(runtime));
    c->shutdown();
    printJson(Json::object({{"ok", true}}));
    return 0;
  }
  ControllerOptions options = consoleToStderr(runtime);
  // Only commands that run vats bring back the vats that were online at the last commit.
  options.preloadVats = app.got_subcommand("run") || app.got_subcommand("send");
  auto c = Controller::open(state, options);
  if (app.got_subcommand("run")) {
    RunResult r = c->run();
    c->commit();
    c->shutdown();
    printJson(Json::object({{"ok", true}, {"cranks", r.cranks}}));
    return 0;
  }
  if (app.got_subcommand("send")) {
    std::optional<Json> args = send[2].empty() ? Json::array() : parseJson(send[2]);
    if (!args || !args->is_array()) throw ConfigError("ARGS_JSON must be a JSON array of plain data");
    EncodedPlain capdata = encodePlainArgs(*args);
    if (!capdata.capdata) throw ConfigError(fmt::format("ARGS_JSON: {}", capdata.error));
    std::optional<std::string> kpid = c->queueToVatRoot(send[0], send[1], *capdata.capdata);
    c->run();
    Json out = describeResult(*c, *kpid);
    c->commit();
    c->shutdown();
    Json reply = Json::object({{"ok", true}});
    for (auto& [k, v] : out.items()) reply[k] = v;
    printJson(reply);
    return 0;
  }
  if (app.got_subcommand("status")) {
    printJson(Json::object({{"ok", true}, {"activityHash", c->activityHash()}, {"crankNumber", c->crankNumber()}}));
    c->shutdown();
    return 0;
  }
  if (app.got_subcommand("export-vat")) {
    std::string sha256 = c->exportVat(archive.vat, archive.out);
    c->shutdown();
    printJson(Json::object({{"ok", true}, {"vat", archive.vat}, {"archive", archive.out}, {"sha256", sha256}}));
    return 0;
  }
  if (app.got_subcommand("import-vat")) {
    ImportedVat v = c->importVat(archive.archive, archive.name, archive.expectSha256);
    c->commit();
    c->shutdown();
    printJson(Json::object({{"ok", true}, {"vatID", v.vatID}, {"name", v.name}, {"root", v.rootKref}}));
    return 0;
  }
  if (app.got_subcommand("install-bundle")) {
    std::optional<std::string> json = readFile(bundle);
    if (!json) throw ConfigError(fmt::format("cannot read {}", bundle));
    std::string id = c->validateAndInstallBundle(*json);
    c->commit();
    c->shutdown();
    printJson(Json::object({{"ok", true}, {"bundleID", id}}));
    return 0;
  }
  return 64;
}

}  // namespace
}  // namespace swingset

int main(int argc, char** argv) {
  using namespace swingset;
  // Heap snapshots (~10 MB) and their gzip pass through buffers on many short threads (births,
  // gzip, preloads). With glibc's default of 8 arenas per core, each thread's arena kept what it
  // freed: creating 25 vats at once left the host at 193 MB RSS; with 2, at 50-75 MB. (A fixed
  // M_MMAP_THRESHOLD kept less, but made 8 MiB messages 50% slower.)
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{"swingset: a SwingSet kernel whose vats run in xsnap workers"};
  app.require_subcommand(1);
  std::string state, config, argvJson, bundle;
  std::vector<std::string> send(3);
  auto* init = app.add_subcommand("init", "create a kernel from a config.json and queue bootstrap (does not run)");
  init->add_option("--state", state, "state directory")->required();
  init->add_option("config", config, "SwingSet config.json")->required();
  init->add_option("--argv", argvJson, "JSON array given to the bootstrap vat as parameters.argv");
  auto* run = app.add_subcommand("run", "run until the queues are empty, then commit");
  run->add_option("--state", state, "state directory")->required();
  auto* sendCmd = app.add_subcommand("send", "send METHOD(...ARGS) to a vat's root, run, commit, print the result");
  sendCmd->add_option("--state", state, "state directory")->required();
  // Separate string positionals: CLI11 would split a `[...]` value given to a vector option.
  sendCmd->add_option("vat", send[0], "vat name (static, or one dynamic vat's) or vat ID")->required();
  sendCmd->add_option("method", send[1], "method name")->required();
  sendCmd->add_option("args", send[2], "JSON array of plain data (default [])");
  auto* installCmd = app.add_subcommand("install-bundle", "verify and install a bundle, print its ID");
  installCmd->add_option("--state", state, "state directory")->required();
  installCmd->add_option("bundle", bundle, "bundle JSON file")->required();
  ArchiveArgs archive;
  auto* exportCmd = app.add_subcommand("export-vat", "write one vat to an integrity-checked archive (starts no worker)");
  exportCmd->add_option("--state", state, "state directory")->required();
  exportCmd->add_option("vat", archive.vat, "vat name (static, or one dynamic vat's) or vat ID")->required();
  exportCmd->add_option("out", archive.out, "archive file to write")->required();
  auto* importCmd = app.add_subcommand("import-vat", "install a vat archive as a new dynamic vat, commit, print its vatID");
  importCmd->add_option("--state", state, "state directory")->required();
  importCmd->add_option("archive", archive.archive, "archive file written by export-vat")->required();
  importCmd->add_option("--name", archive.name, "name it NAME instead of its archived name");
  importCmd->add_option("--expect-sha256", archive.expectSha256,
                        "refuse the archive unless its payload's sha256 is this (what export-vat printed)");
  auto* status = app.add_subcommand("status", "print the committed activity hash and crank number (starts no vat)");
  status->add_option("--state", state, "state directory")->required();
  auto* host = app.add_subcommand("host", "serve the JSON-lines host protocol on stdin/stdout");
  host->add_option("--state", state, "state directory")->required();
  // Runtime knobs of the vat warehouse, for the commands that run vats.
  ControllerOptions runtime;
  bool noRestart = false, noBearAhead = false;
  uint64_t hangMs = 0;
  for (CLI::App* cmd : {run, sendCmd, host}) {
    cmd->add_option("--max-vats-online", runtime.maxVatsOnline, "workers alive at once (default 50; LRU goes offline)");
    cmd->add_flag("--no-restart-worker-on-snapshot", noRestart,
                  "keep the worker that wrote a heap snapshot instead of restarting it from the snapshot");
    cmd->add_flag("--replay-console", runtime.replayConsole, "print vat console output again while replaying");
    cmd->add_flag("--no-bear-ahead", noBearAhead, "start each new vat only in its own crank (no startVat ahead of it)");
    cmd->add_option("--worker-hang-timeout", hangMs,
                    "ms a worker may stay silent in a delivery before it is killed: a kernel panic naming the vat, "
                    "nothing committed (default 0: wait forever, as SwingSet)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  // The only catches: turn errors into the documented exit codes.
  runtime.restartWorkerOnSnapshot = !noRestart;
  runtime.bearAhead = !noBearAhead;
  runtime.workerHangTimeout = std::chrono::milliseconds(hangMs);
  try {
    if (app.got_subcommand("host")) return runHost(state, runtime);
    return runCommand(app, runtime, state, config, argvJson, send, bundle, archive);
  } catch (const ConfigError& e) {
    printJson(Json::object({{"ok", false}, {"error", e.what()}}));
    return 1;
  } catch (const KernelPanic& e) {
    printJson(Json::object({{"ok", false}, {"error", e.what()}, {"fatal", true}}));
    return 2;
  } catch (const std::exception& e) {  // a bug of ours: treated as a panic (nothing more is committed)
    printJson(Json::object({{"ok", false}, {"error", fmt::format("internal error: {}", e.what())}, {"fatal", true}}));
    return 2;
  }
}
