#include "swingset/config.h"

#include <stdlib.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "swingset/errors.h"

namespace swingset {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    std::string tmpl = (fs::temp_directory_path() / "config-test-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    fs::create_directories(dir_ / "vats");
    write("vats/alice.js", "export const buildRootObject = () => ({});\n");
    write("vats/bob.bundle.json", R"({"moduleFormat":"endoZipBase64"})");
    write("dev.bundle.json", R"({"moduleFormat":"endoZipBase64"})");
  }
  ~ConfigTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  // Writes `json` as config.json in the temp dir and loads it.
  Config load(const std::string& json) {
    write("config.json", json);
    return Config::load(dir_ / "config.json");
  }
  // The ConfigError message from loading `json`, or "" if it loaded.
  std::string error(const std::string& json) {
    try {
      load(json);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  // A config with one good vat `alice`, plus `extraVatKeys` inside it and `extraTop` at the top.
  static std::string withVat(const std::string& extraVatKeys, const std::string& extraTop = "") {
    return R"({"defaultManagerType":"xsnap",)" + extraTop +
           R"("vats":{"alice":{"sourceSpec":"vats/alice.js")" + extraVatKeys + "}}}";
  }
  fs::path dir_;
};

// Loading `json` throws ConfigError, and its message contains every one of the other arguments.
#define EXPECT_ERROR(json, ...)                                                                 \
  do {                                                                                          \
    std::string msg = error(json);                                                              \
    ASSERT_FALSE(msg.empty()) << "loaded without error";                                        \
    for (const std::string& want : std::initializer_list<std::string>{__VA_ARGS__})             \
      EXPECT_NE(msg.find(want), std::string::npos) << "'" << msg << "' lacks '" << want << "'"; \
  } while (0)

TEST_F(ConfigTest, GoodConfigWithEveryField) {
  Config c = load(R"({
    "bootstrap": "zed",
    "defaultManagerType": "xs-worker",
    "defaultReapInterval": 5,
    "defaultReapGCKrefs": 7,
    "relaxDurabilityRules": true,
    "snapshotInitial": 2,
    "snapshotInterval": 100,
    "pinBootstrapRoot": true,
    "includeDevDependencies": false,
    "bundleCachePath": "cache",
    "bundleFormat": "endoZipBase64",
    "bundles": {
      "named": {"bundleSpec": "vats/bob.bundle.json"},
      "inline": {"bundle": {"moduleFormat": "endoZipBase64", "x": [1, 2]}}
    },
    "vats": {
      "zed": {"sourceSpec": "vats/alice.js", "parameters": {"b": 1, "a": [true]},
              "creationOptions": {"enablePipelining": true, "managerType": "xsnap",
                                  "enableDisavow": true, "enableSetup": false,
                                  "useTranscript": true, "critical": true, "reapInterval": 9,
                                  "reapGCKrefs": 11, "neverReap": true}},
      "bob": {"bundleSpec": "vats/bob.bundle.json"},
      "carol": {"bundle": {"moduleFormat": "endoZipBase64"}},
      "alice": {"bundleName": "named"}
    },
    "devices": {
      "mailbox": {"bundleSpec": "dev.bundle.json", "parameters": {"k": "v"},
                  "creationOptions": {"unendowed": true}},
      "adder": {"bundle": {"moduleFormat": "endoZipBase64"}}
    }
  })");
  EXPECT_EQ(c.file, dir_ / "config.json");
  EXPECT_EQ(c.bootstrap, "zed");
  EXPECT_EQ(c.defaultManagerType, "xs-worker");
  EXPECT_EQ(c.defaultReapInterval, 5u);
  EXPECT_EQ(c.defaultReapGCKrefs, 7u);
  EXPECT_TRUE(c.relaxDurabilityRules);
  EXPECT_EQ(c.snapshotInitial, 2u);
  EXPECT_EQ(c.snapshotInterval, 100u);
  EXPECT_TRUE(c.pinBootstrapRoot);
  EXPECT_TRUE(c.notices.empty()) << c.notices.front();

  ASSERT_EQ(c.bundles.size(), 2u);
  EXPECT_EQ(c.bundles.at("named").bundleSpec, dir_ / "vats/bob.bundle.json");
  EXPECT_EQ(c.bundles.at("inline").bundleJson, R"({"moduleFormat":"endoZipBase64","x":[1,2]})");

  ASSERT_EQ(c.vats.size(), 4u);  // file order, not sorted
  EXPECT_EQ(c.vats[0].name, "zed");
  EXPECT_EQ(c.vats[1].name, "bob");
  EXPECT_EQ(c.vats[2].name, "carol");
  EXPECT_EQ(c.vats[3].name, "alice");
  const VatConfig& zed = c.vats[0];
  EXPECT_EQ(zed.source.sourceSpec, dir_ / "vats/alice.js");
  EXPECT_FALSE(zed.source.bundleSpec || zed.source.bundleJson || zed.source.bundleName);
  EXPECT_EQ(zed.parametersJson, R"({"b":1,"a":[true]})");  // key order kept
  EXPECT_TRUE(zed.enablePipelining);
  EXPECT_TRUE(zed.enableDisavow);
  EXPECT_TRUE(zed.useTranscript);
  EXPECT_TRUE(zed.critical);
  EXPECT_EQ(zed.reapInterval, 9u);
  EXPECT_EQ(zed.reapGCKrefs, 11u);
  EXPECT_TRUE(zed.neverReap);
  EXPECT_EQ(zed.managerType, "xsnap");
  EXPECT_EQ(c.vats[1].source.bundleSpec, dir_ / "vats/bob.bundle.json");
  EXPECT_EQ(c.vats[1].parametersJson, "{}");
  EXPECT_EQ(c.vats[1].managerType, "");
  EXPECT_FALSE(c.vats[1].reapInterval);
  EXPECT_EQ(c.vats[2].source.bundleJson, R"({"moduleFormat":"endoZipBase64"})");
  EXPECT_EQ(c.vats[3].source.bundleName, "named");

  ASSERT_EQ(c.devices.size(), 2u);
  EXPECT_EQ(c.devices[0].name, "mailbox");
  EXPECT_EQ(c.devices[0].source.bundleSpec, dir_ / "dev.bundle.json");
  EXPECT_EQ(c.devices[0].parametersJson, R"({"k":"v"})");
  EXPECT_TRUE(c.devices[0].unendowed);
  EXPECT_EQ(c.devices[1].name, "adder");
  EXPECT_FALSE(c.devices[1].unendowed);
}

TEST_F(ConfigTest, MinimalConfigGetsDefaults) {
  Config c = load("{}");
  EXPECT_EQ(c.bootstrap, "");
  EXPECT_TRUE(c.vats.empty());
  EXPECT_EQ(c.defaultReapInterval, 1u);
  EXPECT_EQ(c.defaultReapGCKrefs, 20u);
  EXPECT_EQ(c.snapshotInitial, 3u);
  EXPECT_EQ(c.snapshotInterval, 200u);
  ASSERT_EQ(c.notices.size(), 1u);  // no defaultManagerType: SwingSet would pick 'local'
  EXPECT_NE(c.notices[0].find("defaultManagerType"), std::string::npos);
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigFolder) {
  fs::create_directories(dir_ / "sub");
  write("sub/config.json", R"({"vats":{"a":{"sourceSpec":"../vats/alice.js"},
                                        "b":{"bundleSpec":"./../vats/bob.bundle.json"}}})");
  write("abs.json",
        R"({"vats":{"a":{"sourceSpec":")" + (dir_ / "vats/alice.js").string() + R"("}}})");
  Config c = Config::load(dir_ / "sub/config.json");
  EXPECT_EQ(c.vats[0].source.sourceSpec, dir_ / "vats/alice.js");
  EXPECT_EQ(c.vats[1].source.bundleSpec, dir_ / "vats/bob.bundle.json");
  EXPECT_EQ(Config::load(dir_ / "abs.json").vats[0].source.sourceSpec, dir_ / "vats/alice.js");

  // Not relative to the working directory: the same spec from another folder is missing.
  write("sub/other.json", R"({"vats":{"a":{"sourceSpec":"vats/alice.js"}}})");
  EXPECT_THROW(Config::load(dir_ / "sub/other.json"), ConfigError);
}

TEST_F(ConfigTest, MessagesNameTheFileAsGiven) {
  write("config.json", R"({"bogus":1})");
  fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  std::string msg;
  try {
    Config::load("config.json");
  } catch (const ConfigError& e) {
    msg = e.what();
  }
  fs::current_path(cwd);
  EXPECT_EQ(msg, "config.json: bogus: unknown key");
}

TEST_F(ConfigTest, UnreadableOrMalformedFile) {
  EXPECT_THROW(Config::load(dir_ / "nope.json"), ConfigError);
  EXPECT_ERROR(R"({"vats":)", "config.json", "not valid JSON");
  EXPECT_ERROR("[]", "config.json", "object");
}

TEST_F(ConfigTest, UnknownTopLevelKey) {
  EXPECT_ERROR(R"({"vats":{},"defaultManagertype":"xsnap"})", "config.json: defaultManagertype",
               "unknown key");
}

TEST_F(ConfigTest, VatSources) {
  EXPECT_ERROR(R"({"vats":{"alice":{"parameters":{}}}})",
               "config.json: vats.alice:", "sourceSpec, bundleSpec, bundle or bundleName");
  EXPECT_ERROR(
      R"({"vats":{"alice":{"sourceSpec":"vats/alice.js","bundleSpec":"vats/bob.bundle.json"}}})",
      "vats.alice:", "sourceSpec", "bundleSpec", "only one");
  EXPECT_ERROR(R"({"vats":{"alice":{"sourceSpec":"vats/missing.js"}}})", "vats.alice.sourceSpec",
               "no such file", "missing.js");
  EXPECT_ERROR(R"({"vats":{"alice":{"bundleSpec":"gone.json"}}})", "vats.alice.bundleSpec",
               "gone.json");
  EXPECT_ERROR(R"({"vats":{"alice":{"sourceSpec":"vats"}}})", "vats.alice.sourceSpec",
               "no such file");  // a folder is not a file
  EXPECT_ERROR(R"({"vats":{"alice":{"bundle":"text"}}})", "vats.alice.bundle", "object");
  EXPECT_ERROR(R"({"vats":{"alice":{"bundleName":"nobody"}}})", "vats.alice.bundleName", "nobody",
               "bundles");
  EXPECT_ERROR(R"({"vats":{"alice":"vats/alice.js"}})", "vats.alice", "object");
  EXPECT_ERROR(R"({"vats":[]})", "config.json: vats:", "object");
}

TEST_F(ConfigTest, BundleNameMayNameABundleListedLater) {
  Config c = load(R"({"vats":{"alice":{"bundleName":"b"}},
                      "bundles":{"b":{"bundleSpec":"vats/bob.bundle.json"}}})");
  EXPECT_EQ(c.vats[0].source.bundleName, "b");
}

TEST_F(ConfigTest, UnknownVatKey) {
  EXPECT_ERROR(withVat(R"(,"params":{})"), "vats.alice.params", "unknown key");
}

TEST_F(ConfigTest, VatParametersMustBeAnObject) {
  EXPECT_ERROR(withVat(R"(,"parameters":[1])"), "vats.alice.parameters", "object");
}

TEST_F(ConfigTest, CreationOptions) {
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"enablePipelinig":true})"),
               "vats.alice.creationOptions.enablePipelinig", "unknown");
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"enableSetup":true})"),
               "vats.alice.creationOptions.enableSetup", "cannot run under xsnap");
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"useTranscript":false})"),
               "vats.alice.creationOptions.useTranscript", "xsnap");
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"critical":"yes"})"),
               "vats.alice.creationOptions.critical", "true or false");
  EXPECT_ERROR(withVat(R"(,"creationOptions":[])"), "vats.alice.creationOptions", "object");
  Config c = load(withVat(R"(,"creationOptions":{"nodeOptions":["--inspect"]})"));
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_NE(c.notices[0].find("nodeOptions"), std::string::npos);
}

TEST_F(ConfigTest, ManagerTypes) {
  EXPECT_TRUE(load(withVat(R"(,"creationOptions":{"managerType":"xs-worker"})")).notices.empty());
  Config local = load(withVat(R"(,"creationOptions":{"managerType":"local"})"));
  ASSERT_EQ(local.notices.size(), 1u);
  EXPECT_EQ(local.notices[0], "vat alice: managerType 'local' runs on xsnap here");
  EXPECT_EQ(local.vats[0].managerType, "local");
  Config sub = load(R"({"defaultManagerType":"node-subprocess","vats":{}})");
  ASSERT_EQ(sub.notices.size(), 1u);
  EXPECT_NE(sub.notices[0].find("'node-subprocess'"), std::string::npos);
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"managerType":"wasm"})"),
               "vats.alice.creationOptions.managerType", "wasm");
  EXPECT_ERROR(R"({"defaultManagerType":"xsnapp"})", "config.json: defaultManagerType", "xsnapp");
}

TEST_F(ConfigTest, Numbers) {
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"reapInterval":-1})"),
               "vats.alice.creationOptions.reapInterval", "non-negative integer");
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"reapGCKrefs":1.5})"),
               "vats.alice.creationOptions.reapGCKrefs", "non-negative integer");
  EXPECT_ERROR(withVat(R"(,"creationOptions":{"reapInterval":"never"})"),
               "vats.alice.creationOptions.reapInterval");
  for (const char* key :
       {"defaultReapInterval", "defaultReapGCKrefs", "snapshotInitial", "snapshotInterval"}) {
    EXPECT_ERROR(std::string(R"({")") + key + R"(":-3})", std::string("config.json: ") + key,
                 "non-negative integer");
  }
  EXPECT_EQ(load(R"({"snapshotInterval":50.0})").snapshotInterval, 50u);  // JS: 50.0 is 50
}

TEST_F(ConfigTest, TopLevelTypes) {
  EXPECT_ERROR(R"({"relaxDurabilityRules":"true"})", "relaxDurabilityRules", "true or false");
  EXPECT_ERROR(R"({"pinBootstrapRoot":1})", "pinBootstrapRoot");
  EXPECT_ERROR(R"({"includeDevDependencies":null})", "includeDevDependencies");
  EXPECT_ERROR(R"({"bundleCachePath":3})", "bundleCachePath", "string");
  EXPECT_ERROR(R"({"bundleFormat":{}})", "bundleFormat", "string");
  EXPECT_ERROR(R"({"bundles":[]})", "config.json: bundles:", "object");
  EXPECT_ERROR(R"({"devices":1})", "config.json: devices:", "object");
}

TEST_F(ConfigTest, Bootstrap) {
  EXPECT_ERROR(withVat("", R"("bootstrap":"bob",)"), "config.json: bootstrap", "'bob'", "vats");
  EXPECT_ERROR(R"({"bootstrap":"bob"})", "config.json: bootstrap", "bob");
  EXPECT_ERROR(withVat("", R"("bootstrap":7,)"), "config.json: bootstrap", "string");
  EXPECT_EQ(load(withVat("", R"("bootstrap":"alice",)")).bootstrap, "alice");
}

TEST_F(ConfigTest, Bundles) {
  EXPECT_ERROR(R"({"bundles":{"b":{}}})",
               "config.json: bundles.b:", "sourceSpec, bundleSpec or bundle");
  EXPECT_ERROR(R"({"bundles":{"b":{"bundleName":"c"}}})", "bundles.b.bundleName", "unknown key");
  EXPECT_ERROR(R"({"bundles":{"b":{"bundleSpec":"vats/bob.bundle.json","parameters":{}}}})",
               "bundles.b.parameters", "unknown key");
  EXPECT_ERROR(R"({"bundles":{"b":{"sourceSpec":"nowhere.js"}}})", "bundles.b.sourceSpec",
               "nowhere.js");
  EXPECT_ERROR(R"({"bundles":{"b":{"bundle":{},"bundleSpec":"vats/bob.bundle.json"}}})",
               "bundles.b:", "only one");
}

TEST_F(ConfigTest, Devices) {
  EXPECT_ERROR(R"({"devices":{"d":{"parameters":{}}}})",
               "config.json: devices.d:", "sourceSpec, bundleSpec or bundle");
  EXPECT_ERROR(R"({"devices":{"d":{"bundleSpec":"dev.bundle.json","creationOptions":
               {"critical":true}}}})",
               "devices.d.creationOptions.critical", "unendowed");
  EXPECT_ERROR(R"({"devices":{"d":{"bundleSpec":"dev.bundle.json","creationOptions":
               {"unendowed":1}}}})",
               "devices.d.creationOptions.unendowed", "true or false");
  EXPECT_ERROR(R"({"devices":{"d":{"bundleSpec":"dev.bundle.json","extra":1}}})", "devices.d.extra",
               "unknown key");
  EXPECT_ERROR(R"({"devices":{"d":{"bundleSpec":"missing.json"}}})", "devices.d.bundleSpec",
               "missing.json");
  EXPECT_ERROR(R"({"devices":{"d":{"bundleSpec":"dev.bundle.json","parameters":3}}})",
               "devices.d.parameters", "object");
}

}  // namespace
}  // namespace swingset
