#pragma once
// Netstrings, `<decimal byte length>:<payload>,`, the framing of both xsnap pipes. Lengths count
// bytes, never characters. NetstringParser is incremental: feed it whatever a read() returned and
// take whole frames out.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace swingset {

// Appends the netstring header (`<len>:`) to `out`; the caller writes the payload and ','.
void appendNetstringHeader(std::string& out, size_t payloadSize);
std::string encodeNetstring(std::string_view payload);

class NetstringParser {
 public:
  explicit NetstringParser(size_t maxPayload) : maxPayload_(maxPayload) {}
  void feed(const char* data, size_t n) { buf_.append(data, n); }
  // The next whole payload, or nullopt if more bytes are needed. Sets error() on malformed input
  // (non-digit length, missing ',', a payload over maxPayload); after that it yields nothing.
  std::optional<std::string> next();
  const std::string& error() const { return error_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;  // start of the unconsumed bytes in buf_
  size_t maxPayload_;
  std::string error_;
};

}  // namespace swingset
