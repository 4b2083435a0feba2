#include "core/published_times.hpp"

#include <array>

namespace tandem {
namespace {

// JaredFern/Framework-Tax, experiments/pretrained/0903_vision/rpi4_neon_cpu.csv, column `mean`
// (seconds), PyTorch on a Raspberry Pi 4 at 224x224, batch 1, num_threads 1; as summarised in
// shared/papers/peers.md section 4.2. Every model was measured at 224x224, inception_v3 included
// (its zoo default is 299x299), so calibration builds each model at `image_size`.
constexpr std::string_view kFrameworkTax =
    "Framework-Tax rpi4_neon_cpu.csv (PyTorch, Raspberry Pi 4, 1 thread)";
constexpr std::array<PublishedTime, 7> kTimes{{
    {"vgg16", "rpi4", 1, 224, 7.3866, kFrameworkTax},
    {"resnet18", "rpi4", 1, 224, 2.3319, kFrameworkTax},
    {"alexnet", "rpi4", 1, 224, 0.6719, kFrameworkTax},
    {"mobilenet_v2", "rpi4", 1, 224, 0.2533, kFrameworkTax},
    {"googlenet", "rpi4", 1, 224, 0.7353, kFrameworkTax},
    {"inception_v3", "rpi4", 1, 224, 1.8763, kFrameworkTax},
    {"densenet121", "rpi4", 1, 224, 2.8998, kFrameworkTax},
}};

} // namespace

std::span<const PublishedTime> published_times() {
  return kTimes;
}

} // namespace tandem
