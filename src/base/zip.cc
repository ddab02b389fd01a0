#include "base/zip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdint>
#include <set>

namespace swingset {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;

uint32_t crc(std::string_view d) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(d.data()), static_cast<uInt>(d.size())));
}

// Little-endian reads at an offset the caller has bounds-checked.
uint16_t u16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) |
                               static_cast<unsigned char>(b[at + 1]) << 8);
}
uint32_t u32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(u16(b, at)) | static_cast<uint32_t>(u16(b, at + 2)) << 16;
}

void put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

// True when [at, at+len) lies within [0, limit), without overflow.
bool fits(uint64_t at, uint64_t len, uint64_t limit) { return at <= limit && len <= limit - at; }

}  // namespace

std::optional<std::vector<ZipEntry>> readZip(std::string_view z, std::string& error) {
  auto fail = [&](std::string why) {
    error = std::move(why);
    return std::nullopt;
  };
  // As in endo's reader: no archive comment, so the end record sits exactly kEndSize from the end.
  if (z.size() < kEndSize) return fail("zip: too short for an end-of-central-directory record");
  const size_t end = z.size() - kEndSize;
  if (u32(z, end) != kEndSig) return fail("zip: no end-of-central-directory record at the end");
  if (u16(z, end + 4) != 0 || u16(z, end + 6) != 0) return fail("zip: multi-disk archive");
  const uint16_t count = u16(z, end + 10);
  if (u16(z, end + 8) != count) return fail("zip: entry counts disagree");
  const uint32_t cdSize = u32(z, end + 12), cdOffset = u32(z, end + 16);
  if (u16(z, end + 20) != 0) return fail("zip: archive comments are not accepted");
  if (count == 0xffff || cdSize == 0xffffffff || cdOffset == 0xffffffff) return fail("zip: zip64");
  if (uint64_t{cdOffset} + cdSize != end)
    return fail("zip: central directory is not where the end record says");

  std::vector<ZipEntry> entries;
  std::set<std::string, std::less<>> names;
  size_t at = cdOffset;
  for (uint16_t i = 0; i < count; i++) {
    if (!fits(at, kCentralSize, end) || u32(z, at) != kCentralSig)
      return fail(fmt::format("zip: central record {} is truncated or missing", i));
    const uint16_t flags = u16(z, at + 8), method = u16(z, at + 10);
    const uint32_t crc32v = u32(z, at + 16), csize = u32(z, at + 20), usize = u32(z, at + 24);
    const uint16_t nameLen = u16(z, at + 28), extraLen = u16(z, at + 30),
                   commentLen = u16(z, at + 32);
    const uint32_t localAt = u32(z, at + 42);
    const size_t recordLen = kCentralSize + nameLen + extraLen + commentLen;
    if (!fits(at, recordLen, end)) return fail(fmt::format("zip: central record {} overruns", i));
    std::string name(z.substr(at + kCentralSize, nameLen));
    at += recordLen;

    if (flags & 1) return fail(fmt::format("zip: {}: encrypted", name));
    if (method != 0)
      return fail(fmt::format("zip: {}: compression method {} (only stored)", name, method));
    if (csize != usize) return fail(fmt::format("zip: {}: sizes differ for a stored entry", name));
    if (!names.insert(name).second) return fail(fmt::format("zip: {}: duplicate entry", name));

    if (!fits(localAt, kLocalSize, cdOffset) || u32(z, localAt) != kLocalSig)
      return fail(fmt::format("zip: {}: bad local header offset", name));
    const uint16_t lNameLen = u16(z, localAt + 26), lExtraLen = u16(z, localAt + 28);
    const uint64_t dataAt = uint64_t{localAt} + kLocalSize + lNameLen + lExtraLen;
    if (!fits(localAt, kLocalSize + uint64_t{lNameLen}, cdOffset) || !fits(dataAt, csize, cdOffset))
      return fail(fmt::format("zip: {}: entry overruns the archive", name));
    if (z.substr(localAt + kLocalSize, lNameLen) != name || u16(z, localAt + 6) != flags ||
        u16(z, localAt + 8) != method || u32(z, localAt + 14) != crc32v ||
        u32(z, localAt + 18) != csize || u32(z, localAt + 22) != usize)
      return fail(fmt::format("zip: {}: local header disagrees with the central directory", name));
    std::string_view data = z.substr(dataAt, csize);
    if (crc(data) != crc32v) return fail(fmt::format("zip: {}: CRC-32 mismatch", name));
    entries.push_back({std::move(name), data});
  }
  if (at != end) return fail("zip: central directory size disagrees with its records");
  return entries;
}

std::string writeZip(const std::vector<ZipFile>& files) {
  std::string out, central;
  constexpr uint32_t kDosTime = 0, kDosDate = (1980 - 1980) << 9 | 1 << 5 | 1;  // 1980-01-01
  for (const ZipFile& f : files) {
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint32_t c = crc(f.data), size = static_cast<uint32_t>(f.data.size());
    auto common = [&](std::string& s) {
      put16(s, 0);  // flags
      put16(s, 0);  // method: stored
      put16(s, kDosTime);
      put16(s, kDosDate);
      put32(s, c);
      put32(s, size);
      put32(s, size);
      put16(s, static_cast<uint32_t>(f.name.size()));
      put16(s, 0);  // extra length
    };
    put32(out, kLocalSig);
    put16(out, 10);  // version needed
    common(out);
    out += f.name;
    out += f.data;

    put32(central, kCentralSig);
    put16(central, 10);  // version made by
    put16(central, 10);  // version needed
    common(central);
    put16(central, 0);  // comment length
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central += f.name;
  }
  const uint32_t cdOffset = static_cast<uint32_t>(out.size());
  out += central;
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(files.size()));
  put16(out, static_cast<uint32_t>(files.size()));
  put32(out, static_cast<uint32_t>(central.size()));
  put32(out, cdOffset);
  put16(out, 0);
  return out;
}

}  // namespace swingset
