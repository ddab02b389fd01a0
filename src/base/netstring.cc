#include "base/netstring.h"

#include <fmt/format.h>

namespace swingset {

void appendNetstringHeader(std::string& out, size_t payloadSize) {
  fmt::format_to(std::back_inserter(out), "{}:", payloadSize);
}

std::string encodeNetstring(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 12);
  appendNetstringHeader(out, payload.size());
  out.append(payload);
  out.push_back(',');
  return out;
}

std::optional<std::string> NetstringParser::next() {
  if (!error_.empty()) return std::nullopt;
  size_t i = pos_;
  size_t len = 0;
  for (;; i++) {
    if (i == buf_.size()) return std::nullopt;
    char c = buf_[i];
    if (c == ':') break;
    if (c < '0' || c > '9' || i - pos_ >= 10) {
      error_ = fmt::format("bad netstring length prefix at byte '{}'", c);
      return std::nullopt;
    }
    len = len * 10 + (c - '0');
  }
  if (i == pos_ || len > maxPayload_) {
    error_ = i == pos_ ? "empty netstring length"
                       : fmt::format("netstring of {} bytes exceeds the limit {}", len, maxPayload_);
    return std::nullopt;
  }
  size_t start = i + 1;
  if (buf_.size() < start + len + 1) return std::nullopt;
  if (buf_[start + len] != ',') {
    error_ = "netstring payload not followed by ','";
    return std::nullopt;
  }
  std::string payload = buf_.substr(start, len);
  pos_ = start + len + 1;
  // Compact once the consumed prefix dominates, so the buffer never grows without bound.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (1u << 16) && pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return payload;
}

}  // namespace swingset
