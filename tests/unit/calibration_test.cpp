// The rpi4 device spec against published whole-model times (core/published_times.hpp): each model
// is built at the image size it was measured at and predicted at the measured thread count. Prints
// the table; run with `ctest -V` or `build/tests/tandem_tests -tc='*calibration*' -s` to see it.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/cost_table.hpp"
#include "core/published_times.hpp"
#include "core/zoo/families.hpp"
#include "core/zoo/zoo.hpp"

using namespace tandem;

namespace {

constexpr double kTolerance = 0.35;

// JaredFern/Framework-Tax's row "densenet" is DenseNet-161: the same CSV gives it 7.79 GMACs and
// 28,681,000 parameters, DenseNet-161's figures (DenseNet-121 has 2.83 G and 7,978,856). A time
// taken from there and listed as densenet121 is therefore compared with DenseNet-161.
std::string_view measured_model(const PublishedTime& t) {
  if (t.model == "densenet121" && t.source.find("Framework-Tax") != std::string_view::npos)
    return "densenet161";
  return t.model;
}

Model build(std::string_view name, const ZooParams& p) {
  if (name == "densenet161")
    return zoo::densenet161(p);
  const auto* e = find_zoo_model(name);
  REQUIRE_MESSAGE(e != nullptr, "published time for a model outside the zoo: " << name);
  return e->build(p);
}

// Published points no honest setting of the cost model's rates reaches within kTolerance, with
// the reason. They must still be within a factor of 2.5, so a gross regression fails.
std::string_view known_outlier(std::string_view model) {
  if (model == "resnet18")
    return "2.7x vgg16's time per MAC with the same 3x3 convs; Framework-Tax's own resnet18 times "
           "at 384..512 px run at 0.55..0.68 ns/MAC, not 1.28";
  return {};
}

} // namespace

TEST_CASE("densenet161, the model behind Framework-Tax's densenet time, matches its CSV") {
  const auto m = zoo::densenet161({});
  CHECK(m.total_params() == 28'681'000);
  CHECK(std::abs(m.total_macs() / 7.787e9 - 1) < 0.01);
}

TEST_CASE("calibration: predicted rpi4 times against published whole-model times") {
  fmt::print("\n{:<14} {:<12} {:>4} {:>7} {:>8} {:>12} {:>12} {:>8}\n", "model", "measured as",
             "px", "threads", "gmacs", "predicted_s", "published_s", "error");
  int within = 0;
  for (const auto& t : published_times()) {
    const auto* spec = find_device_spec(t.device_spec);
    REQUIRE_MESSAGE(spec != nullptr, "unknown device spec " << t.device_spec);
    const auto name = measured_model(t);
    const auto m = build(name, {.image_size = t.image_size});
    const auto costs = CostTable::predict(m, {spec, t.threads}, {spec, t.threads});
    const Seconds predicted = costs.total(Side::device);
    const double error = predicted / t.time_s - 1;
    fmt::print("{:<14} {:<12} {:>4} {:>7} {:>8.3f} {:>12.3f} {:>12.3f} {:>+7.1f}%\n", t.model, name,
               t.image_size, t.threads, m.total_macs() / 1e9, predicted, t.time_s, 100 * error);
    CAPTURE(t.model);
    CAPTURE(predicted);
    CAPTURE(t.time_s);
    if (std::abs(error) <= kTolerance)
      ++within;
    if (const auto why = known_outlier(t.model); !why.empty()) {
      WARN_MESSAGE(std::abs(error) <= kTolerance, "known outlier: " << why);
      CHECK(predicted / t.time_s > 1 / 2.5);
      CHECK(predicted / t.time_s < 2.5);
    } else {
      CHECK(std::abs(error) <= kTolerance);
    }
  }
  fmt::print("{} of {} within +-{:.0f}%\n", within, published_times().size(), 100 * kTolerance);
}
