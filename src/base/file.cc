#include "base/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace swingset {

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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
