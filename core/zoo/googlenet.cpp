// GoogLeNet / Inception v1 (Szegedy et al. 2015) as torchvision.models.googlenet: batchnorm after
// every conv (folded here), max pools in ceil mode, and, as in torchvision's code and weights, a
// 3x3 conv where the paper's "5x5" branch has a 5x5. The auxiliary classifiers run only in training
// and are left out.
#include <array>

#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

struct InceptionSpec {
  const char* name;
  int ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj;
};

std::string inception(ModelBuilder& b, const InceptionSpec& s, const std::string& x) {
  const std::string p = s.name;
  const auto b1 = b.conv(p + ".branch1", x, {.out = s.ch1x1, .kernel = 1});
  auto b2 = b.conv(p + ".branch2.0", x, {.out = s.ch3x3red, .kernel = 1});
  b2 = b.conv(p + ".branch2.1", b2, {.out = s.ch3x3, .kernel = 3, .pad = 1});
  auto b3 = b.conv(p + ".branch3.0", x, {.out = s.ch5x5red, .kernel = 1});
  b3 = b.conv(p + ".branch3.1", b3, {.out = s.ch5x5, .kernel = 3, .pad = 1});
  auto b4 =
      b.max_pool(p + ".branch4.0", x, {.kernel = 3, .stride = 1, .pad = 1, .ceil_mode = true});
  b4 = b.conv(p + ".branch4.1", b4, {.out = s.pool_proj, .kernel = 1});
  return b.concat(p + ".concat", {b1, b2, b3, b4});
}

// Table 1 of the paper.
constexpr std::array<InceptionSpec, 9> kInception{{
    {"inception3a", 64, 96, 128, 16, 32, 32},
    {"inception3b", 128, 128, 192, 32, 96, 64},
    {"inception4a", 192, 96, 208, 16, 48, 64},
    {"inception4b", 160, 112, 224, 24, 64, 64},
    {"inception4c", 128, 128, 256, 24, 64, 64},
    {"inception4d", 112, 144, 288, 32, 64, 64},
    {"inception4e", 256, 160, 320, 32, 128, 128},
    {"inception5a", 256, 160, 320, 32, 128, 128},
    {"inception5b", 384, 192, 384, 48, 128, 128},
}};

} // namespace

Model googlenet(const ZooParams& p) {
  ModelBuilder b("googlenet", image_input(p, 224));
  auto x = b.conv("conv1", b.input(), {.out = 64, .kernel = 7, .stride = 2, .pad = 3});
  x = b.max_pool("maxpool1", x, {.kernel = 3, .stride = 2, .ceil_mode = true});
  x = b.conv("conv2", x, {.out = 64, .kernel = 1});
  x = b.conv("conv3", x, {.out = 192, .kernel = 3, .pad = 1});
  x = b.max_pool("maxpool2", x, {.kernel = 3, .stride = 2, .ceil_mode = true});
  x = inception(b, kInception[0], x);
  x = inception(b, kInception[1], x);
  x = b.max_pool("maxpool3", x, {.kernel = 3, .stride = 2, .ceil_mode = true});
  for (int i = 2; i <= 6; ++i)
    x = inception(b, kInception[i], x);
  x = b.max_pool("maxpool4", x, {.kernel = 2, .stride = 2, .ceil_mode = true});
  x = inception(b, kInception[7], x);
  x = inception(b, kInception[8], x);
  x = b.global_avg_pool("avgpool", x);
  b.gemm("fc", x, {.out = 1000});
  return b.build();
}

} // namespace tandem::zoo
