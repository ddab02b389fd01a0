#pragma once
// The CLI's bridge between plain JSON (what an operator types and reads) and smallcaps capdata
// (reference/deliveries-and-syscalls.md §1). Capdata comes from vats, so decoding never throws:
// a malformed body is an error string. Plain JSON cannot hold every passable, so decoding tags
// the rest: {"@bigint":"12"}, {"@undefined":true}, {"@NaN":true}, {"@Infinity":true},
// {"@-Infinity":true}, {"@symbol":"name"}, {"@remotable":"Alleged: X","kref":"ko12"},
// {"@promise":"kp40"}, {"@error":{"name":…,"message":…}}, {"@tagged":TAG,"payload":…}.
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"

namespace swingset {

// Exactly one of `capdata` and `error` is set.
struct EncodedPlain {
  std::optional<std::string> capdata;  // {"body":"#…","slots":[]}, as JS marshal writes it
  std::string error;
};

// Exactly one of `value` and `error` is set.
struct DecodedPlain {
  std::optional<Json> value;
  std::string error;
};

// Capdata text for a plain JSON value, byte-identical to what JS's `makeMarshal().toCapData`
// writes for the same value after JSON.parse: special strings get a leading `!`, record keys are
// sorted (JS property order: array-index keys first, numerically), numbers print as JS prints them
// (-0 as 0). Tags are not interpreted: {"@bigint":"1"} is sent as a record. Fails on a number that
// is not finite, a binary value, or nesting deeper than kMaxPlainDepth.
EncodedPlain encodePlain(const Json& value);
// As encodePlain, for a message's argument list: fails unless `array` is a JSON array.
EncodedPlain encodePlainArgs(const Json& array);

// The plain JSON for capdata text `{"body":"#…","slots":[…]}`. Fails, naming the problem, on text
// that is not capdata, a legacy (non-`#`) body, an escape smallcaps does not define, a slot index
// out of range, a record key that does not decode to a string, or nesting deeper than
// kMaxPlainDepth. A repeated `$i` without an interface takes the first one given for that slot.
DecodedPlain decodeToPlain(std::string_view capdataJson);

// Bounds the recursion on vat-supplied bodies; below kMaxJsonDepth, so a body that parses at all
// gets this error, which says what is wrong, rather than "not JSON".
inline constexpr int kMaxPlainDepth = 500;

// `d` as JS's Number.prototype.toString writes it (JSON.stringify's format). `d` must be finite.
std::string jsNumberString(double d);

}  // namespace swingset
