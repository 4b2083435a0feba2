// YOLOv3-tiny as pjreddie/darknet cfg/yolov3-tiny.cfg defines it, at 416x416: batchnorm and leaky
// ReLU folded into each conv, two detection heads (13x13 and 26x26, 255 = 3 anchors x 85 channels).
// The [yolo] layers only decode boxes (sigmoid/exp on the head outputs) and are left to
// post-processing, so the two 1x1 head convs are the model outputs.
#include <fmt/format.h>

#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

constexpr int kHeadChannels = 3 * (80 + 5);

} // namespace

Model yolov3_tiny(const ZooParams& p) {
  ModelBuilder b("yolov3-tiny", image_input(p, 416));
  const auto conv = [&](int index, const std::string& from, int out, int kernel) {
    return b.conv(
        fmt::format("conv{}", index), from,
        {.out = out, .kernel = kernel, .pad = kernel / 2, .activation = Activation::leaky_relu});
  };
  // cfg layers 0..10: 3x3 convs of 16..512 channels, each but the last followed by a 2x2/2 max
  // pool.
  auto x = b.input();
  std::string route8;
  for (int layer = 0, channels = 16; channels <= 512; layer += 2, channels *= 2) {
    x = conv(layer, x, channels, 3);
    if (channels == 256)
      route8 = x;
    if (channels < 512)
      x = b.max_pool(fmt::format("maxpool{}", layer + 1), x, {.kernel = 2, .stride = 2});
  }
  // Layer 11: size 2 stride 1 keeps 13x13; Darknet pads by size - 1 = 1 at the bottom/right.
  x = b.max_pool("maxpool11", x, {.kernel = 2, .stride = 1, .pad_end_extra = 1});
  x = conv(12, x, 1024, 3);
  const auto route13 = conv(13, x, 256, 1);
  x = conv(14, route13, 512, 3);
  // Heads are linear convs with a bias and no batchnorm.
  const ConvSpec head{.out = kHeadChannels,
                      .kernel = 1,
                      .batchnorm = false,
                      .bias = true,
                      .activation = Activation::none};
  b.conv("conv15", x, head); // [yolo] 16 decodes it
  // 17: route -4 (layer 13), 18: 1x1 conv, 19: upsample x2, 20: route -1, 8.
  x = conv(18, route13, 128, 1);
  x = b.upsample("upsample19", x, 2);
  x = b.concat("route20", {x, route8});
  x = conv(21, x, 256, 3);
  b.conv("conv22", x, head); // [yolo] 23 decodes it
  return b.build();
}

} // namespace tandem::zoo
