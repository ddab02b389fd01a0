#pragma once
// Kernel panics: SS_INSIST checks an invariant of our own code or of data only we write. Never use
// it on input a vat controls (a bad syscall is a vat fault, returned as a value).
#include <source_location>
#include <string>

#include <fmt/format.h>

#include "swingset/errors.h"

namespace swingset {

[[noreturn]] void panic(const std::string& what,
                        std::source_location at = std::source_location::current());

}  // namespace swingset

#define SS_INSIST(cond, ...)                                   \
  do {                                                         \
    if (!(cond)) [[unlikely]]                                  \
      ::swingset::panic(::fmt::format(__VA_ARGS__));           \
  } while (0)
