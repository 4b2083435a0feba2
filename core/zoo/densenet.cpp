// DenseNet (Huang et al. 2017) as torchvision.models builds it: DenseNet-121 (growth rate 32, 64
// stem channels, blocks of 6, 12, 24 and 16 layers) for the zoo, and DenseNet-161 (growth 48, 96
// stem channels, blocks of 6, 12, 36 and 24), which only calibration uses. Bottleneck width 4 x
// growth, compression 0.5 in the transitions.
#include <array>
#include <vector>

#include <fmt/format.h>

#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

struct DenseNetSpec {
  const char* name;
  int growth;
  int stem;
  std::array<int, 4> blocks;
};

// One dense layer: BN-ReLU-conv1x1-BN-ReLU-conv3x3 on the concatenation of every earlier feature
// map of the block. The first BN-ReLU acts on that concatenation and cannot be folded into the conv
// before it (a ReLU sits between), so it is a layer of its own; the second folds into the 1x1 conv.
std::string dense_layer(ModelBuilder& b, const std::string& p,
                        const std::vector<std::string>& features, int growth) {
  // torchvision concatenates the whole list again in every layer (torch.cat(inputs, 1)).
  const auto x = features.size() == 1 ? features.front() : b.concat(p + ".concat", features);
  auto y = b.batchnorm(p + ".norm1", x, Activation::relu);
  y = b.conv(p + ".conv1", y, {.out = 4 * growth, .kernel = 1});
  return b.conv(
      p + ".conv2", y,
      {.out = growth, .kernel = 3, .pad = 1, .batchnorm = false, .activation = Activation::none});
}

Model densenet(const DenseNetSpec& s, const ZooParams& p) {
  ModelBuilder b(s.name, image_input(p, 224));
  auto x = b.conv("features.conv0", b.input(), {.out = s.stem, .kernel = 7, .stride = 2, .pad = 3});
  x = b.max_pool("features.pool0", x, {.kernel = 3, .stride = 2, .pad = 1});
  for (std::size_t block = 0; block < s.blocks.size(); ++block) {
    std::vector<std::string> features{x};
    for (int i = 0; i < s.blocks[block]; ++i)
      features.push_back(
          dense_layer(b, fmt::format("features.denseblock{}.denselayer{}", block + 1, i + 1),
                      features, s.growth));
    x = b.concat(fmt::format("features.denseblock{}.concat", block + 1), features);
    if (block + 1 < s.blocks.size()) {
      const auto t = fmt::format("features.transition{}", block + 1);
      x = b.batchnorm(t + ".norm", x, Activation::relu);
      x = b.conv(t + ".conv", x,
                 {.out = static_cast<int>(b.channels(x) / 2),
                  .kernel = 1,
                  .batchnorm = false,
                  .activation = Activation::none});
      x = b.avg_pool(t + ".pool", x, {.kernel = 2, .stride = 2});
    }
  }
  x = b.batchnorm("features.norm5", x, Activation::relu);
  x = b.global_avg_pool("avgpool", x);
  b.gemm("classifier", x, {.out = 1000});
  return b.build();
}

} // namespace

Model densenet121(const ZooParams& p) {
  return densenet({"densenet121", 32, 64, {6, 12, 24, 16}}, p);
}
Model densenet161(const ZooParams& p) {
  return densenet({"densenet161", 48, 96, {6, 12, 36, 24}}, p);
}

} // namespace tandem::zoo
