// KernelState: the acceptance queue and the run queue. Both are `"[head,tail]"` with items at
// `<queue>.<n>` for head <= n < tail; enqueue writes item tail then bumps tail, dequeue reads and
// deletes item head then bumps head.
#include "base/panic.h"
#include "kernel/state/kernel_state.h"

namespace swingset {
namespace {

std::pair<uint64_t, uint64_t> bounds(KVStore& kv, const std::string& queue) {
  std::optional<Json> j = parseJson(kv.getRequired(queue));
  SS_INSIST(j && j->is_array() && j->size() == 2, "{} is not [head,tail]", queue);
  return {(*j)[0].get<uint64_t>(), (*j)[1].get<uint64_t>()};
}

void push(KVStore& kv, const std::string& queue, const Json& item) {
  auto [head, tail] = bounds(kv, queue);
  kv.set(queue + "." + std::to_string(tail), toJson(item));
  kv.set(queue, fmt::format("[{},{}]", head, tail + 1));
}

std::optional<Json> shift(KVStore& kv, const std::string& queue) {
  auto [head, tail] = bounds(kv, queue);
  if (head == tail) return std::nullopt;
  std::string key = queue + "." + std::to_string(head);
  std::optional<Json> item = parseJson(kv.getRequired(key));
  SS_INSIST(item && item->is_object(), "{} is not a JSON object", key);
  kv.remove(key);
  kv.set(queue, fmt::format("[{},{}]", head + 1, tail));
  return item;
}

}  // namespace

void KernelState::addToAcceptanceQueue(const Json& item) {
  push(kv_, "acceptanceQueue", item);
  acceptanceQueueStat_.add(1);
}

std::optional<Json> KernelState::shiftAcceptanceQueue() {
  std::optional<Json> item = shift(kv_, "acceptanceQueue");
  if (item) acceptanceQueueStat_.add(-1);
  return item;
}

void KernelState::addToRunQueue(const Json& item) {
  push(kv_, "runQueue", item);
  runQueueStat_.add(1);
}

std::optional<Json> KernelState::shiftRunQueue() {
  std::optional<Json> item = shift(kv_, "runQueue");
  if (item) runQueueStat_.add(-1);
  return item;
}

uint64_t KernelState::runQueueLength() {
  auto [head, tail] = bounds(kv_, "runQueue");
  return tail - head;
}

std::pair<uint64_t, uint64_t> KernelState::runQueueBounds() { return bounds(kv_, "runQueue"); }

namespace {
// A top-level string field of a queue item, found without parsing it. Items are written by
// toJson(): `{"key":"` or `,"key":"` cannot occur inside a string value (its quote would be
// escaped), and no nested object of a send, notify or create-vat has these keys, so the first
// such marker is the top-level field.
std::optional<std::string> topLevelField(const std::string& item, std::string_view key) {
  std::string marker = fmt::format("\"{}\":\"", key);
  for (size_t at = item.find(marker); at != std::string::npos; at = item.find(marker, at + 1)) {
    if (at == 0 || (item[at - 1] != '{' && item[at - 1] != ',')) continue;
    size_t start = at + marker.size(), end = item.find('"', start);
    if (end == std::string::npos) return std::nullopt;
    return item.substr(start, end - start);
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> KernelState::runQueueItemVat(uint64_t pos) {
  std::optional<std::string> item = kv_.get("runQueue." + std::to_string(pos));
  if (!item) return std::nullopt;
  std::optional<std::string> type = topLevelField(*item, "type");
  if (type == "notify") return topLevelField(*item, "vatID");
  if (type != "send") return std::nullopt;
  std::optional<KernelSlot> target = KernelSlot::parse(topLevelField(*item, "target").value_or(""));
  if (!target || !target->isObject()) return std::nullopt;
  std::optional<std::string> owner = objectOwner(*target);
  if (!owner || !vatIsAlive(*owner)) return std::nullopt;
  return owner;
}

std::optional<Json> KernelState::runQueueVatStart(uint64_t pos) {
  std::optional<std::string> item = kv_.get("runQueue." + std::to_string(pos));
  if (!item) return std::nullopt;
  std::optional<std::string> type = topLevelField(*item, "type");
  if (type != "create-vat" && type != "startVat") return std::nullopt;
  // A create-vat's {"source":{"bundleID":...}}, else its bundle inline, maybe MBs: not parsed.
  if (type == "create-vat" && !topLevelField(*item, "bundleID")) return std::nullopt;
  return parseJson(*item);
}

bool KernelState::hasWork() {
  auto nonEmpty = [&](const char* key) { return kv_.get(key).value_or("[]") != "[]"; };
  return acceptanceQueueLength() > 0 || nonEmpty("vats.terminated") || nonEmpty("gcActions") || nonEmpty("reapQueue") ||
         runQueueLength() > 0;
}

uint64_t KernelState::acceptanceQueueLength() {
  auto [head, tail] = bounds(kv_, "acceptanceQueue");
  return tail - head;
}

}  // namespace swingset
