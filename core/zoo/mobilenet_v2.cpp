// MobileNetV2 (Sandler et al. 2018) at width 1.0, as torchvision.models.mobilenet_v2: inverted
// residual blocks (1x1 expand, 3x3 depthwise, 1x1 linear projection), ReLU6, batchnorm folded.
#include <array>

#include <fmt/format.h>

#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

struct Stage {
  int expand; // t: hidden channels = input channels x t
  int out;    // c
  int repeat; // n
  int stride; // s, of the first block of the stage
};

// Table 2 of the paper.
constexpr std::array<Stage, 7> kStages{{
    {1, 16, 1, 1},
    {6, 24, 2, 2},
    {6, 32, 3, 2},
    {6, 64, 4, 2},
    {6, 96, 3, 1},
    {6, 160, 3, 2},
    {6, 320, 1, 1},
}};

std::string inverted_residual(ModelBuilder& b, const std::string& prefix, const std::string& x,
                              const Stage& s, int stride) {
  const int in = static_cast<int>(b.channels(x));
  const int hidden = in * s.expand;
  auto y = x;
  if (s.expand != 1)
    y = b.conv(prefix + ".expand", y,
               {.out = hidden, .kernel = 1, .activation = Activation::relu6});
  y = b.conv(prefix + ".depthwise", y,
             {.out = hidden,
              .kernel = 3,
              .stride = stride,
              .pad = 1,
              .groups = hidden,
              .activation = Activation::relu6});
  y = b.conv(prefix + ".project", y, {.out = s.out, .kernel = 1, .activation = Activation::none});
  // The residual only where the block keeps the shape (no activation after the add: "linear
  // bottleneck").
  if (stride == 1 && in == s.out)
    y = b.add(prefix + ".add", {y, x});
  return y;
}

} // namespace

Model mobilenet_v2(const ZooParams& p) {
  ModelBuilder b("mobilenet_v2", image_input(p, 224));
  auto x = b.conv("features.0", b.input(),
                  {.out = 32, .kernel = 3, .stride = 2, .pad = 1, .activation = Activation::relu6});
  int block = 1;
  for (const auto& s : kStages)
    for (int i = 0; i < s.repeat; ++i, ++block)
      x = inverted_residual(b, fmt::format("features.{}", block), x, s, i == 0 ? s.stride : 1);
  x = b.conv(fmt::format("features.{}", block), x,
             {.out = 1280, .kernel = 1, .activation = Activation::relu6});
  x = b.global_avg_pool("avgpool", x);
  b.gemm("classifier", x, {.out = 1000});
  return b.build();
}

} // namespace tandem::zoo
