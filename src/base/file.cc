#include "base/file.h"
#include "base/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace swingset {

std::optional<std::string> readFile(const std::filesystem::path& path) {
  // One read of the size fstat gives, not an ifstream copied through a stringstream: twice as
  // fast for the 1 MB worker bundles every process reads.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  std::string bytes(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0, '\0');
  size_t have = 0;
  char more[4096];  // past the size fstat gave: the end, or what a growing or special file has
  for (;;) {
    bool full = have == bytes.size();
    ssize_t n = full ? ::read(fd.get(), more, sizeof more) : ::read(fd.get(), bytes.data() + have, bytes.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    if (full) bytes.append(more, static_cast<size_t>(n));
    have += static_cast<size_t>(n);
  }
  bytes.resize(have);
  return bytes;
}

std::string writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno));
  std::string error;
  while (!bytes.empty() && error.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno));
    if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (error.empty() && ::fsync(fd) != 0) error = fmt::format("cannot sync {}: {}", tmp.string(), std::strerror(errno));
  ::close(fd);
  if (error.empty() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), std::strerror(errno));
  }
  if (!error.empty()) ::unlink(tmp.c_str());
  return error;
}

}  // namespace swingset
