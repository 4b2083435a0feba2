// AlexNet as torchvision.models.alexnet builds it (the "one weird trick" variant with
// 64-192-384-256-256 channels, not the two-GPU original of 2012).
#include "core/zoo/families.hpp"

namespace tandem::zoo {

Model alexnet(const ZooParams& p) {
  ModelBuilder b("alexnet", image_input(p, 224));
  // No batchnorm in AlexNet: every conv and fc carries its own bias.
  const auto conv = [&](const char* name, const std::string& from, int out, int kernel, int stride,
                        int pad) {
    return b.conv(name, from,
                  {.out = out,
                   .kernel = kernel,
                   .stride = stride,
                   .pad = pad,
                   .batchnorm = false,
                   .bias = true});
  };
  auto x = conv("conv1", b.input(), 64, 11, 4, 2);
  x = b.max_pool("pool1", x, {.kernel = 3, .stride = 2});
  x = conv("conv2", x, 192, 5, 1, 2);
  x = b.max_pool("pool2", x, {.kernel = 3, .stride = 2});
  x = conv("conv3", x, 384, 3, 1, 1);
  x = conv("conv4", x, 256, 3, 1, 1);
  x = conv("conv5", x, 256, 3, 1, 1);
  x = b.max_pool("pool5", x, {.kernel = 3, .stride = 2});
  x = adaptive_avg_pool(b, "avgpool", x, 6);
  // Dropout is the identity at inference and has no layer.
  x = b.gemm("fc6", x, {.out = 4096, .activation = Activation::relu});
  x = b.gemm("fc7", x, {.out = 4096, .activation = Activation::relu});
  b.gemm("fc8", x, {.out = 1000});
  return b.build();
}

} // namespace tandem::zoo
