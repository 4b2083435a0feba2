// Inception v3 (Szegedy et al. 2016) as torchvision.models.inception_v3: BasicConv2d = conv without
// bias + batchnorm + ReLU (folded here), modules Mixed_5b..Mixed_7c. The auxiliary classifier runs
// only in training and is left out (torchvision's 27.2M parameters include its 3.3M).
#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

// A BasicConv2d with a kh x kw kernel, "same" padding for stride 1 unless `valid`.
struct Conv {
  ModelBuilder& b;
  std::string conv(const std::string& name, const std::string& x, int out, int kh, int kw,
                   int stride = 1, bool valid = false) {
    return b.conv(name, x,
                  {.out = out,
                   .kernel = kh,
                   .stride = stride,
                   .pad = valid ? 0 : kh / 2,
                   .kernel_w = kw,
                   .pad_w = valid ? 0 : kw / 2});
  }
  std::string pool_branch(const std::string& p, const std::string& x, int out) {
    const auto pooled = b.avg_pool(p + ".branch_pool.avg", x, {.kernel = 3, .stride = 1, .pad = 1});
    return conv(p + ".branch_pool", pooled, out, 1, 1);
  }
};

std::string inception_a(Conv& c, const std::string& p, const std::string& x, int pool_features) {
  const auto b1 = c.conv(p + ".branch1x1", x, 64, 1, 1);
  auto b5 = c.conv(p + ".branch5x5_1", x, 48, 1, 1);
  b5 = c.conv(p + ".branch5x5_2", b5, 64, 5, 5);
  auto b3 = c.conv(p + ".branch3x3dbl_1", x, 64, 1, 1);
  b3 = c.conv(p + ".branch3x3dbl_2", b3, 96, 3, 3);
  b3 = c.conv(p + ".branch3x3dbl_3", b3, 96, 3, 3);
  const auto bp = c.pool_branch(p, x, pool_features);
  return c.b.concat(p + ".concat", {b1, b5, b3, bp});
}

std::string inception_b(Conv& c, const std::string& p, const std::string& x) {
  const auto b3 = c.conv(p + ".branch3x3", x, 384, 3, 3, 2, true);
  auto bd = c.conv(p + ".branch3x3dbl_1", x, 64, 1, 1);
  bd = c.conv(p + ".branch3x3dbl_2", bd, 96, 3, 3);
  bd = c.conv(p + ".branch3x3dbl_3", bd, 96, 3, 3, 2, true);
  const auto bp = c.b.max_pool(p + ".branch_pool", x, {.kernel = 3, .stride = 2});
  return c.b.concat(p + ".concat", {b3, bd, bp});
}

std::string inception_c(Conv& c, const std::string& p, const std::string& x, int c7) {
  const auto b1 = c.conv(p + ".branch1x1", x, 192, 1, 1);
  auto b7 = c.conv(p + ".branch7x7_1", x, c7, 1, 1);
  b7 = c.conv(p + ".branch7x7_2", b7, c7, 1, 7);
  b7 = c.conv(p + ".branch7x7_3", b7, 192, 7, 1);
  auto bd = c.conv(p + ".branch7x7dbl_1", x, c7, 1, 1);
  bd = c.conv(p + ".branch7x7dbl_2", bd, c7, 7, 1);
  bd = c.conv(p + ".branch7x7dbl_3", bd, c7, 1, 7);
  bd = c.conv(p + ".branch7x7dbl_4", bd, c7, 7, 1);
  bd = c.conv(p + ".branch7x7dbl_5", bd, 192, 1, 7);
  const auto bp = c.pool_branch(p, x, 192);
  return c.b.concat(p + ".concat", {b1, b7, bd, bp});
}

std::string inception_d(Conv& c, const std::string& p, const std::string& x) {
  auto b3 = c.conv(p + ".branch3x3_1", x, 192, 1, 1);
  b3 = c.conv(p + ".branch3x3_2", b3, 320, 3, 3, 2, true);
  auto b7 = c.conv(p + ".branch7x7x3_1", x, 192, 1, 1);
  b7 = c.conv(p + ".branch7x7x3_2", b7, 192, 1, 7);
  b7 = c.conv(p + ".branch7x7x3_3", b7, 192, 7, 1);
  b7 = c.conv(p + ".branch7x7x3_4", b7, 192, 3, 3, 2, true);
  const auto bp = c.b.max_pool(p + ".branch_pool", x, {.kernel = 3, .stride = 2});
  return c.b.concat(p + ".concat", {b3, b7, bp});
}

std::string inception_e(Conv& c, const std::string& p, const std::string& x) {
  const auto b1 = c.conv(p + ".branch1x1", x, 320, 1, 1);
  const auto b3 = c.conv(p + ".branch3x3_1", x, 384, 1, 1);
  const auto b3a = c.conv(p + ".branch3x3_2a", b3, 384, 1, 3);
  const auto b3b = c.conv(p + ".branch3x3_2b", b3, 384, 3, 1);
  auto bd = c.conv(p + ".branch3x3dbl_1", x, 448, 1, 1);
  bd = c.conv(p + ".branch3x3dbl_2", bd, 384, 3, 3);
  const auto bda = c.conv(p + ".branch3x3dbl_3a", bd, 384, 1, 3);
  const auto bdb = c.conv(p + ".branch3x3dbl_3b", bd, 384, 3, 1);
  const auto bp = c.pool_branch(p, x, 192);
  // torchvision concatenates the 1x3/3x1 pairs first; one concat of the six is the same tensor.
  return c.b.concat(p + ".concat", {b1, b3a, b3b, bda, bdb, bp});
}

} // namespace

Model inception_v3(const ZooParams& p) {
  ModelBuilder b("inception_v3", image_input(p, 299));
  Conv c{b};
  auto x = c.conv("Conv2d_1a_3x3", b.input(), 32, 3, 3, 2, true);
  x = c.conv("Conv2d_2a_3x3", x, 32, 3, 3, 1, true);
  x = c.conv("Conv2d_2b_3x3", x, 64, 3, 3);
  x = b.max_pool("maxpool1", x, {.kernel = 3, .stride = 2});
  x = c.conv("Conv2d_3b_1x1", x, 80, 1, 1);
  x = c.conv("Conv2d_4a_3x3", x, 192, 3, 3, 1, true);
  x = b.max_pool("maxpool2", x, {.kernel = 3, .stride = 2});
  x = inception_a(c, "Mixed_5b", x, 32);
  x = inception_a(c, "Mixed_5c", x, 64);
  x = inception_a(c, "Mixed_5d", x, 64);
  x = inception_b(c, "Mixed_6a", x);
  x = inception_c(c, "Mixed_6b", x, 128);
  x = inception_c(c, "Mixed_6c", x, 160);
  x = inception_c(c, "Mixed_6d", x, 160);
  x = inception_c(c, "Mixed_6e", x, 192);
  x = inception_d(c, "Mixed_7a", x);
  x = inception_e(c, "Mixed_7b", x);
  x = inception_e(c, "Mixed_7c", x);
  x = b.global_avg_pool("avgpool", x);
  b.gemm("fc", x, {.out = 1000});
  return b.build();
}

} // namespace tandem::zoo
