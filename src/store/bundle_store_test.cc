#include "store/bundle_store.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/sha.h"
#include "base/zip.h"
#include "store/swing_store.h"
#include "store/test_util.h"

namespace swingset {
namespace {

using nlohmann::json;

// A real endoZipBase64 bundle of testdata/vat.js, built by @endo/bundle-source (CMakeLists.txt).
class BundleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = testing::readFile(STORE_TEST_BUNDLE);
    json b = json::parse(text_);
    ASSERT_EQ(b["moduleFormat"], "endoZipBase64");
    id_ = "b1-" + b["endoZipBase64Sha512"].get<std::string>();
    zip_ = *base64Decode(b["endoZipBase64"].get<std::string>());
    std::string error;
    auto entries = readZip(zip_, error);
    ASSERT_TRUE(entries) << error;
    for (const ZipEntry& e : *entries) files_.push_back({e.name, std::string(e.data)});
  }

  // The bundle JSON of a zip rebuilt from `files`, claiming `sha512` (by default, the real one of
  // its compartment-map.json).
  static std::string rebuild(const std::vector<ZipFile>& files, std::string sha512 = "") {
    if (sha512.empty())
      for (const ZipFile& f : files)
        if (f.name == "compartment-map.json") sha512 = sha512Hex(f.data);
    return json{{"moduleFormat", "endoZipBase64"},
                {"endoZipBase64Sha512", sha512},
                {"endoZipBase64", base64Encode(writeZip(files))}}
        .dump();
  }
  ZipFile& file(std::string_view suffix) {
    for (ZipFile& f : files_)
      if (f.name.ends_with(suffix)) return f;
    throw std::runtime_error("no such file in the test bundle");
  }
  void expectRejected(std::string_view id, const std::string& text, std::string_view why) {
    try {
      bundles_.addBundle(id, text);
      ADD_FAILURE() << "accepted a bad bundle: " << why;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(id), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    EXPECT_FALSE(bundles_.hasBundle(id));
  }

  std::string text_, id_, zip_;
  std::vector<ZipFile> files_;
  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  BundleStore& bundles_ = store_->kernelStorage().bundles();
};

TEST_F(BundleStoreTest, RealB1BundleVerifiesAndRoundTrips) {
  std::string error;
  EXPECT_EQ(computeBundleID(text_, error), id_) << error;
  EXPECT_GT(files_.size(), 10u);  // the vat and @endo/far's dependencies
  bundles_.addBundle(id_, text_);
  EXPECT_TRUE(bundles_.hasBundle(id_));
  json original = json::parse(text_);
  std::string expected = R"({"moduleFormat":"endoZipBase64","endoZipBase64Sha512":")" +
                         id_.substr(3) + R"(","endoZipBase64":")" +
                         original["endoZipBase64"].get<std::string>() + "\"}";
  EXPECT_EQ(bundles_.getBundle(id_), expected);
  bundles_.deleteBundle(id_);
  EXPECT_FALSE(bundles_.hasBundle(id_));
  EXPECT_EQ(bundles_.getBundle(id_), std::nullopt);
}

TEST_F(BundleStoreTest, RezippedUntamperedBundleStillVerifies) {
  // The control for the tamper tests below: our rebuild alone does not break anything.
  bundles_.addBundle(id_, rebuild(files_));
  EXPECT_TRUE(bundles_.hasBundle(id_));
}

TEST_F(BundleStoreTest, ChangedModuleByteIsRejected) {
  file("/vat.js").data[0] ^= 1;
  expectRejected(id_, rebuild(files_), "vat.js does not match its sha512");
}

TEST_F(BundleStoreTest, ChangedCompartmentMapIsRejected) {
  file("compartment-map.json").data += " ";
  expectRejected(id_, rebuild(files_, id_.substr(3)), "endoZipBase64Sha512 does not match");
  // Claiming the new map's hash changes the ID, so the old ID still does not match.
  expectRejected(id_, rebuild(files_), "content has ID");
}

TEST_F(BundleStoreTest, MissingModuleAndCorruptZipAreRejected) {
  std::vector<ZipFile> without;
  for (const ZipFile& f : files_)
    if (!f.name.ends_with("/vat.js")) without.push_back(f);
  expectRejected(id_, rebuild(without), "missing from the zip");

  json b = json::parse(text_);
  std::string z = zip_;
  z[z.find("buildRootObject")] ^= 1;  // bytes change, CRC does not
  b["endoZipBase64"] = base64Encode(z);
  expectRejected(id_, b.dump(), "CRC-32");
  b["endoZipBase64"] = "not base64!";
  expectRejected(id_, b.dump(), "base64");
}

TEST_F(BundleStoreTest, WrongIdIsRejected) {
  expectRejected("b1-" + std::string(128, '0'), text_, "content has ID " + id_);
  expectRejected("b0-" + sha256Hex(text_), text_, "content has ID " + id_);
}

TEST_F(BundleStoreTest, B0BundlesHashTheirExactText) {
  std::string text = R"J({"moduleFormat":"nestedEvaluate","source":"(0)","sourceMap":""})J";
  std::string id = "b0-" + sha256Hex(text);
  std::string error;
  EXPECT_EQ(computeBundleID(text, error), id);
  std::string spaced = R"J({"moduleFormat": "nestedEvaluate","source":"(0)","sourceMap":""})J";
  expectRejected(id, spaced, "content has ID b0-" + sha256Hex(spaced));  // same JSON, other bytes
  bundles_.addBundle(id, text);
  EXPECT_EQ(bundles_.getBundle(id), text);
  std::string getExport = R"({"moduleFormat":"getExport","source":"1"})";
  bundles_.addBundle("b0-" + sha256Hex(getExport), getExport);
  std::string other = R"({"moduleFormat":"other"})";
  expectRejected("b0-" + sha256Hex(other), other, "unsupported moduleFormat other");
  EXPECT_EQ(computeBundleID("[1]", error), std::nullopt);
  EXPECT_EQ(error, "not a JSON object");
}

}  // namespace
}  // namespace swingset
