#include "worker/snapshot_buffer.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/panic.h"

namespace swingset {

SnapshotBuffer::SnapshotBuffer() : fd_(::memfd_create("xsnap-snapshot", MFD_CLOEXEC)) {
  SS_INSIST(fd_, "memfd_create failed: {}", std::strerror(errno));
}

SnapshotBuffer::~SnapshotBuffer() {
  if (map_) ::munmap(map_, mapped_);
}

std::string SnapshotBuffer::path() const { return fmt::format("/proc/{}/fd/{}", ::getpid(), fd_.get()); }

uint64_t SnapshotBuffer::fileSize() const {
  struct stat st {};
  SS_INSIST(::fstat(fd_.get(), &st) == 0, "fstat of a snapshot memfd failed: {}", std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

size_t SnapshotBuffer::readAt(uint64_t offset, char* out, size_t n) const {
  ssize_t got = ::pread(fd_.get(), out, n, static_cast<off_t>(offset));
  SS_INSIST(got >= 0, "reading a snapshot memfd failed: {}", std::strerror(errno));
  return static_cast<size_t>(got);
}

bool SnapshotBuffer::written(uint64_t size) {
  if (fileSize() != size) return false;
  size_ = size;
  return true;
}

void SnapshotBuffer::refill(uint64_t size, const std::function<void(char*)>& produce) {
  if (size != size_) {
    SS_INSIST(::ftruncate(fd_.get(), static_cast<off_t>(size)) == 0, "sizing a snapshot memfd failed: {}", std::strerror(errno));
  }
  size_ = size;
  if (size > mapped_) {
    if (map_) ::munmap(map_, mapped_);
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    map_ = nullptr;
    mapped_ = 0;
    SS_INSIST(p != MAP_FAILED, "mapping a snapshot memfd failed: {}", std::strerror(errno));
    map_ = static_cast<char*>(p);
    mapped_ = size;
  }
  if (size > 0) produce(map_);
}

std::string SnapshotBuffer::readAll() const {
  std::string out(size_, '\0');
  for (size_t got = 0; got < out.size();) {
    size_t n = readAt(got, out.data() + got, out.size() - got);
    SS_INSIST(n > 0, "reading a snapshot memfd failed: it ended at {} of {} bytes", got, out.size());
    got += n;
  }
  return out;
}

}  // namespace swingset
