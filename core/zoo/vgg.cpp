// VGG-16, configuration D of Simonyan & Zisserman (2015), as torchvision.models.vgg16 (no
// batchnorm).
#include <array>

#include <fmt/format.h>

#include "core/zoo/families.hpp"

namespace tandem::zoo {

Model vgg16(const ZooParams& p) {
  ModelBuilder b("vgg16", image_input(p, 224));
  // Five stages of 3x3 convs (stride 1, pad 1, bias, ReLU), each closed by a 2x2 max pool.
  constexpr std::array<std::pair<int, int>, 5> kStages{
      {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}}};
  auto x = b.input();
  for (std::size_t s = 0; s < kStages.size(); ++s) {
    const auto [channels, convs] = kStages[s];
    for (int c = 0; c < convs; ++c)
      x = b.conv(fmt::format("conv{}_{}", s + 1, c + 1), x,
                 {.out = channels, .kernel = 3, .pad = 1, .batchnorm = false, .bias = true});
    x = b.max_pool(fmt::format("pool{}", s + 1), x, {.kernel = 2});
  }
  x = adaptive_avg_pool(b, "avgpool", x, 7);
  x = b.gemm("fc6", x, {.out = 4096, .activation = Activation::relu});
  x = b.gemm("fc7", x, {.out = 4096, .activation = Activation::relu});
  b.gemm("fc8", x, {.out = 1000});
  return b.build();
}

} // namespace tandem::zoo
