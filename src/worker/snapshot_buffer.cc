#include "worker/snapshot_buffer.h"

#include <sys/mman.h>
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

void SnapshotBuffer::write(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), data, size);
    if (n < 0 && errno == EINTR) continue;
    SS_INSIST(n > 0, "writing a snapshot to memory failed: {}", std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
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

std::string SnapshotBuffer::readAll() {
  std::string out(size_, '\0');
  SS_INSIST(::pread(fd_.get(), out.data(), out.size(), 0) == static_cast<ssize_t>(size_),
            "reading a snapshot memfd failed");
  return out;
}

}  // namespace swingset
