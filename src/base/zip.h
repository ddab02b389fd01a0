#pragma once
// Reading and writing zip archives of stored (uncompressed, method 0) entries, the layout endo's
// zip writer produces for endoZipBase64 bundles. The reader takes hostile bytes: any malformation
// (truncation, bad offsets, compression, encryption, zip64, an archive comment, duplicate names,
// a CRC mismatch) is reported as an error string, never an exception or out-of-bounds read.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swingset {

struct ZipEntry {
  std::string name;
  std::string_view data;  // points into the archive bytes passed to readZip
};

// Entries in central-directory order, or nullopt with `error` set.
std::optional<std::vector<ZipEntry>> readZip(std::string_view archive, std::string& error);

struct ZipFile {
  std::string name;
  std::string data;
};
// A stored-entry archive that readZip accepts (fixed timestamps, so output is deterministic).
std::string writeZip(const std::vector<ZipFile>& files);

}  // namespace swingset
