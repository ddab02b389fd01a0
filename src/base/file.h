#pragma once
// Whole-file reads (bundles, configs, snapshots in tests) and atomic whole-file writes (archives).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace swingset {

// The file's bytes, or nullopt if it cannot be opened.
std::optional<std::string> readFile(const std::filesystem::path& path);
// Writes `bytes` to a temporary file beside `path`, flushes it, then renames it over `path`, so
// `path` never holds a partial file. Returns "" or what failed.
std::string writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace swingset
