#pragma once
// Whole-file reads: bundles, configs, snapshots in tests.
#include <filesystem>
#include <optional>
#include <string>

namespace swingset {

// The file's bytes, or nullopt if it cannot be opened.
std::optional<std::string> readFile(const std::filesystem::path& path);

}  // namespace swingset
