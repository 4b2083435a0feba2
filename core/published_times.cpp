#include "core/published_times.hpp"

#include <array>

namespace tandem {
namespace {

// JaredFern/Framework-Tax, experiments/pretrained/0903_vision/rpi4_neon_cpu.csv, columns `mean`
// (seconds) and `macs`, PyTorch on a Raspberry Pi 4, batch 1, num_threads 1; the 224x224 rows are
// summarised in shared/papers/peers.md section 4.2. The file measures every model at 224, 384, 448
// and 512 px (the first row of each; it repeats some): all four sizes are kept, because the larger
// ones show how time grows with work, which a single size cannot separate from a fixed cost.
// Left out: vgg16 at 384 and 512 px and alexnet above 224 px, whose classifiers' adaptive average
// pooling would need uneven windows (zoo::adaptive_avg_pool builds only even ones).
// Its row "densenet" is DenseNet-161 (7.79 GMACs and 28,681,000 parameters; DenseNet-121 has
// 2.83 G and 7,978,856), and "inception" is Inception-v3 measured at these sizes, not 299.
constexpr std::string_view kFrameworkTax =
    "Framework-Tax rpi4_neon_cpu.csv (PyTorch, Raspberry Pi 4, 1 thread)";
constexpr std::array<PublishedTime, 23> kTimes{{
    {"vgg16", "rpi4", 1, 224, 7.3866, 15483862016, kFrameworkTax},
    {"vgg16", "rpi4", 1, 448, 22.2863, 61564471808, kFrameworkTax},
    {"resnet18", "rpi4", 1, 224, 2.3319, 1819066368, kFrameworkTax},
    {"resnet18", "rpi4", 1, 384, 3.6348, 5344834048, kFrameworkTax},
    {"resnet18", "rpi4", 1, 448, 4.3781, 7274727936, kFrameworkTax},
    {"resnet18", "rpi4", 1, 512, 5.2603, 9501528576, kFrameworkTax},
    {"alexnet", "rpi4", 1, 224, 0.6719, 714691904, kFrameworkTax},
    {"mobilenet_v2", "rpi4", 1, 224, 0.2533, 314130496, kFrameworkTax},
    {"mobilenet_v2", "rpi4", 1, 384, 0.6868, 920677376, kFrameworkTax},
    {"mobilenet_v2", "rpi4", 1, 448, 0.8952, 1252681984, kFrameworkTax},
    {"mobilenet_v2", "rpi4", 1, 512, 1.2127, 1635764224, kFrameworkTax},
    {"googlenet", "rpi4", 1, 224, 0.7353, 1504879712, kFrameworkTax},
    {"googlenet", "rpi4", 1, 384, 1.8201, 4420516352, kFrameworkTax},
    {"googlenet", "rpi4", 1, 448, 2.3389, 6016443776, kFrameworkTax},
    {"googlenet", "rpi4", 1, 512, 3.0174, 7857898496, kFrameworkTax},
    {"inception_v3", "rpi4", 1, 224, 1.8763, 2847271040, kFrameworkTax},
    {"inception_v3", "rpi4", 1, 384, 5.1082, 9475898240, kFrameworkTax},
    {"inception_v3", "rpi4", 1, 448, 6.3264, 13215394176, kFrameworkTax},
    {"inception_v3", "rpi4", 1, 512, 7.7673, 17576630144, kFrameworkTax},
    {"densenet161", "rpi4", 1, 224, 2.8998, 7787012832, kFrameworkTax},
    {"densenet161", "rpi4", 1, 384, 7.8934, 22880001792, kFrameworkTax},
    {"densenet161", "rpi4", 1, 448, 10.6764, 31141427328, kFrameworkTax},
    {"densenet161", "rpi4", 1, 512, 13.4421, 40673841408, kFrameworkTax},
}};

} // namespace

std::span<const PublishedTime> published_times() {
  return kTimes;
}

} // namespace tandem
