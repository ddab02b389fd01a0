// KernelState: kernel promises (kpN.*).
#include <algorithm>

#include "base/panic.h"
#include "kernel/state/kernel_state.h"

namespace swingset {

const char* promiseStateName(PromiseState s) {
  switch (s) {
    case PromiseState::kUnresolved: return "unresolved";
    case PromiseState::kFulfilled: return "fulfilled";
    case PromiseState::kRejected: return "rejected";
  }
  return "";
}

KernelSlot KernelState::addKernelPromise(const std::string& policy) {
  KernelSlot kp{RefType::kPromise, allocateCounter("kp.nextID")};
  std::string k = kp.str();
  kv_.set(k + ".state", "unresolved");
  kv_.set(k + ".subscribers", "");
  kv_.set(k + ".queue.nextID", "0");
  kv_.set(k + ".refCount", "0");
  kv_.set(k + ".decider", "");
  if (!policy.empty() && policy != "ignore") kv_.set(k + ".policy", policy);
  return kp;
}

bool KernelState::promiseExists(KernelSlot kp) { return kv_.has(kp.str() + ".state"); }

PromiseState KernelState::promiseState(KernelSlot kp) {
  std::string s = kv_.getRequired(kp.str() + ".state");
  if (s == "unresolved") return PromiseState::kUnresolved;
  if (s == "fulfilled") return PromiseState::kFulfilled;
  SS_INSIST(s == "rejected", "{}.state is '{}'", kp.str(), s);
  return PromiseState::kRejected;
}

KernelPromise KernelState::getPromise(KernelSlot kp) {
  std::string k = kp.str();
  KernelPromise p;
  p.state = promiseState(kp);
  p.refCount = std::stoull(kv_.getRequired(k + ".refCount"));
  p.policy = kv_.get(k + ".policy").value_or("");
  if (p.state == PromiseState::kUnresolved) {
    p.decider = kv_.get(k + ".decider").value_or("");
    p.subscribers = splitSlots(kv_.get(k + ".subscribers").value_or(""));
  } else {
    p.data.body = kv_.getRequired(k + ".data.body");
    p.data.slots = splitSlots(kv_.get(k + ".data.slots").value_or(""));
  }
  return p;
}

std::string KernelState::promiseDecider(KernelSlot kp) { return kv_.get(kp.str() + ".decider").value_or(""); }

void KernelState::setDecider(KernelSlot kp, const std::string& vatID) {
  SS_INSIST(promiseState(kp) == PromiseState::kUnresolved, "setDecider on settled {}", kp.str());
  kv_.set(kp.str() + ".decider", vatID);
}

void KernelState::addSubscriber(KernelSlot kp, const std::string& vatID) {
  std::string key = kp.str() + ".subscribers";
  std::vector<std::string> subs = splitSlots(kv_.get(key).value_or(""));
  if (std::find(subs.begin(), subs.end(), vatID) != subs.end()) return;
  subs.push_back(vatID);
  std::sort(subs.begin(), subs.end());
  kv_.set(key, joinSlots(subs));
}

void KernelState::enqueueToPromise(KernelSlot kp, const Message& msg) {
  std::string k = kp.str();
  uint64_t n = std::stoull(kv_.getRequired(k + ".queue.nextID"));
  kv_.set(k + ".queue." + std::to_string(n), toJson(msg.toJson()));
  kv_.set(k + ".queue.nextID", std::to_string(n + 1));
  promiseQueuesStat_.add(1);
}

std::vector<Message> KernelState::takePromiseQueue(KernelSlot kp) {
  std::string k = kp.str();
  std::vector<Message> queued;
  uint64_t next = std::stoull(kv_.get(k + ".queue.nextID").value_or("0"));
  for (uint64_t i = 0; i < next; i++) {
    std::string qk = k + ".queue." + std::to_string(i);
    if (std::optional<std::string> item = kv_.get(qk)) {
      std::optional<Json> j = parseJson(*item);
      std::optional<Message> m = j ? Message::fromJson(*j) : std::nullopt;
      SS_INSIST(m, "{} holds a malformed message", qk);
      queued.push_back(std::move(*m));
      kv_.remove(qk);
      promiseQueuesStat_.add(-1);
    }
  }
  kv_.set(k + ".queue.nextID", "0");  // as requeueKernelPromise: the next message queued is .queue.0
  return queued;
}

std::vector<Message> KernelState::resolvePromise(KernelSlot kp, bool rejected, const CapData& data) {
  std::string k = kp.str();
  SS_INSIST(promiseState(kp) == PromiseState::kUnresolved, "{} is already settled", k);
  std::vector<Message> queued = takePromiseQueue(kp);
  // What only an unresolved promise has goes, as deleteKernelPromiseState does in JS.
  kv_.remove(k + ".queue.nextID");
  kv_.remove(k + ".decider");
  kv_.remove(k + ".subscribers");
  kv_.remove(k + ".policy");
  kv_.set(k + ".state", promiseStateName(rejected ? PromiseState::kRejected : PromiseState::kFulfilled));
  kv_.set(k + ".data.body", data.body);
  kv_.set(k + ".data.slots", joinSlots(data.slots));
  incrementSlots(data.slots);
  return queued;
}

void KernelState::deletePromise(KernelSlot kp) {
  std::string k = kp.str();
  if (promiseState(kp) != PromiseState::kUnresolved) {
    decrementSlots(splitSlots(kv_.get(k + ".data.slots").value_or("")));
  } else {
    for (const Message& m : takePromiseQueue(kp)) {
      decrementSlots(m.methargs.slots);
      if (m.result) decrementRefCount(*m.result);
    }
  }
  for (const char* suffix : {".state", ".decider", ".subscribers", ".policy", ".refCount", ".data.body",
                             ".data.slots", ".queue.nextID"}) {
    kv_.remove(k + suffix);
  }
}

}  // namespace swingset
