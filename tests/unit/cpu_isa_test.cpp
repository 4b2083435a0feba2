#include <doctest/doctest.h>

#include "core/error.hpp"
#include "real/cpu_isa.hpp"

using namespace tandem;

TEST_CASE("oneDNN reports the Debian 12 version and an ISA it dispatches to") {
  const auto info = real::onednn_info();
  CHECK(info.version.starts_with("2.6"));
  CHECK(info.cpu_isa != "unknown");
}

TEST_CASE("an unknown ISA cap is an input error naming what is accepted") {
  try {
    real::cap_cpu_isa("neon");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "real backend: cpu_isa: expected one of all, sse41, avx, avx2, "
                                   "avx512_core, ..., found 'neon'");
  }
}

TEST_CASE("capping oneDNN at sse41 before any primitive lowers the effective ISA") {
  real::cap_cpu_isa("sse41");
  CHECK(real::onednn_info().cpu_isa == "sse41");
}
