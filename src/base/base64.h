#pragma once
// Standard base64 (RFC 4648 alphabet, '=' padding), the encoding of endoZipBase64 bundles.
// Decoding is strict, so encode(decode(s)) == s for every accepted s.
#include <optional>
#include <string>
#include <string_view>

namespace swingset {

std::string base64Encode(std::string_view bytes);
// nullopt on any character outside the alphabet, bad length or padding, or nonzero pad bits.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace swingset
