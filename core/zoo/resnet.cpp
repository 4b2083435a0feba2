// ResNet-18 and ResNet-50 (He et al. 2016) as torchvision.models builds them: batchnorm folded into
// each conv, the residual add carrying the block's final ReLU, and in ResNet-50 the v1.5 bottleneck
// that strides in the 3x3 conv rather than the first 1x1.
#include <array>

#include <fmt/format.h>

#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

// conv1 7x7/2 + maxpool 3x3/2: the stem shared by every torchvision ResNet.
std::string stem(ModelBuilder& b) {
  auto x = b.conv("conv1", b.input(), {.out = 64, .kernel = 7, .stride = 2, .pad = 3});
  return b.max_pool("maxpool", x, {.kernel = 3, .stride = 2, .pad = 1});
}

// The 1x1 projection on the shortcut when the block changes shape; else the input itself.
std::string shortcut(ModelBuilder& b, const std::string& prefix, const std::string& x, int out,
                     int stride) {
  if (stride == 1 && b.channels(x) == out)
    return x;
  return b.conv(prefix + ".downsample", x,
                {.out = out, .kernel = 1, .stride = stride, .activation = Activation::none});
}

std::string basic_block(ModelBuilder& b, const std::string& prefix, const std::string& x,
                        int planes, int stride) {
  auto y = b.conv(prefix + ".conv1", x, {.out = planes, .kernel = 3, .stride = stride, .pad = 1});
  y = b.conv(prefix + ".conv2", y,
             {.out = planes, .kernel = 3, .pad = 1, .activation = Activation::none});
  return b.add(prefix + ".add", {y, shortcut(b, prefix, x, planes, stride)}, Activation::relu);
}

std::string bottleneck(ModelBuilder& b, const std::string& prefix, const std::string& x, int planes,
                       int stride) {
  constexpr int kExpansion = 4;
  auto y = b.conv(prefix + ".conv1", x, {.out = planes, .kernel = 1});
  y = b.conv(prefix + ".conv2", y, {.out = planes, .kernel = 3, .stride = stride, .pad = 1});
  y = b.conv(prefix + ".conv3", y,
             {.out = planes * kExpansion, .kernel = 1, .activation = Activation::none});
  return b.add(prefix + ".add", {y, shortcut(b, prefix, x, planes * kExpansion, stride)},
               Activation::relu);
}

using Block = std::string (*)(ModelBuilder&, const std::string&, const std::string&, int, int);

Model resnet(const std::string& name, const ZooParams& p, Block block,
             const std::array<int, 4>& blocks) {
  ModelBuilder b(name, image_input(p, 224));
  auto x = stem(b);
  for (int stage = 0; stage < 4; ++stage) {
    const int planes = 64 << stage;
    for (int i = 0; i < blocks[stage]; ++i) {
      const int stride = (stage > 0 && i == 0) ? 2 : 1;
      x = block(b, fmt::format("layer{}.{}", stage + 1, i), x, planes, stride);
    }
  }
  x = b.global_avg_pool("avgpool", x);
  b.gemm("fc", x, {.out = 1000});
  return b.build();
}

} // namespace

Model resnet18(const ZooParams& p) {
  return resnet("resnet18", p, basic_block, {2, 2, 2, 2});
}
Model resnet50(const ZooParams& p) {
  return resnet("resnet50", p, bottleneck, {3, 4, 6, 3});
}

} // namespace tandem::zoo
