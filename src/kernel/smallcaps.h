#pragma once
// Reading kernel-side smallcaps capdata: the kernel never interprets bodies, except where
// SwingSet's kernel itself unserializes (vat-admin hooks: createVat's options and
// vatParameters). A sub-value is cut out with its own slots, renumbered from 0.
#include <optional>
#include <string>

#include "base/json.h"
#include "kernel/capdata.h"

namespace swingset {

// The JSON of a `#` body, or nullopt.
std::optional<Json> smallcapsValue(const CapData& c);
// capdata of `value` (a piece of the body of `whole`), with only the slots it refers to.
CapData subCapData(const Json& value, const CapData& whole);
// True when every slot reference in `value` ("$N…", "&N…") is well formed and names one of
// `slotCount` slots: liveslots terminates a vat that receives one that does not.
bool slotReferencesValid(const Json& value, size_t slotCount);
// `c` as SwingSet's kser(kunser(c)) gives it back for error records: without their errorId (the
// kernel's marshal does not tag errors). Anything else is returned as it was.
CapData withoutErrorIds(const CapData& c);
// The slot of a value that is exactly one remotable or one promise, as SwingSet's
// extractSingleSlot (kunser, then krefOf) finds it: the slot a top-level "$N…" or "&N" names, or
// {"@qclass":"slot","index":N} in the older body format. Which it is, object or promise, the slot
// string says (kslot), not the body. `malformed` is set when kunser would throw: a body that is
// not JSON, or an index past the slots. Only bodies that can be one slot are parsed.
std::optional<std::string> singleSlot(const CapData& c, bool* malformed = nullptr);
// The method of a message's methargs as SwingSet's extractMethod names it in errors
// ("<funcall>", "[Symbol.asyncIterator]", "<unknown>", ...).
std::string legibleMethod(const CapData& methargs);
// A smallcaps string's plain text (undoing the `!` escape), or nullopt if it encodes something else.
std::optional<std::string> smallcapsString(const Json& value);

}  // namespace swingset
