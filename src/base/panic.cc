#include "base/panic.h"

#include <filesystem>

namespace swingset {

void panic(const std::string& what, std::source_location at) {
  throw KernelPanic(fmt::format("{} ({}:{})", what,
                                std::filesystem::path(at.file_name()).filename().string(),
                                at.line()));
}

}  // namespace swingset
