#pragma once
// The one JSON codec. SwingSet's JSON is JS `JSON.stringify`: insertion-ordered keys, no spaces,
// non-ASCII as is. nlohmann::ordered_json with dump() reproduces that for the strings, integers,
// arrays and objects the kernel writes. Vat-supplied text is parsed without exceptions.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace swingset {

using Json = nlohmann::ordered_json;

// nullopt if `text` is not one whole JSON value, or nests arrays and objects deeper than
// kMaxJsonDepth. Otherwise always nlohmann's answer; most text is read by a faster parser that
// hands anything unusual to nlohmann. The depth limit keeps every recursive walk of a Json
// (printing, copying, comparing) far from the end of the stack, whatever a worker or host sends:
// nothing we read nests so deep (capdata bodies are strings).
constexpr int kMaxJsonDepth = 512;
std::optional<Json> parseJson(std::string_view text);
// That faster parser alone (for its test): false when it leaves `text` to nlohmann.
bool parseJsonFast(std::string_view text, Json& out);
// Compact, JSON.stringify-style, byte for byte nlohmann's dump(). Invalid UTF-8 (never produced
// by JS) is replaced, not thrown.
std::string toJson(const Json& value);
// JSON string literal for `s` (with quotes).
std::string quoteJson(std::string_view s);

}  // namespace swingset
