#include "base/json.h"

namespace swingset {

std::optional<Json> parseJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string toJson(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string quoteJson(std::string_view s) { return toJson(Json(std::string(s))); }

}  // namespace swingset
