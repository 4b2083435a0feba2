#include "core/zoo/zoo.hpp"

#include <array>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/zoo/families.hpp"

namespace tandem {
namespace {

// The order is part of the CLI's output (`tandem describe models`, error messages listing the zoo).
constexpr std::array<ZooEntry, 10> kZoo{{
    {"alexnet", "AlexNet, torchvision variant (64-192-384-256-256 convs), 224x224", zoo::alexnet},
    {"vgg16", "VGG-16 without batchnorm (torchvision vgg16), 224x224", zoo::vgg16},
    {"resnet18", "ResNet-18, basic blocks [2,2,2,2], 224x224", zoo::resnet18},
    {"resnet50", "ResNet-50 v1.5 (stride in the 3x3 conv, as torchvision), 224x224", zoo::resnet50},
    {"mobilenet_v2", "MobileNetV2, width 1.0, inverted residuals with depthwise convs, 224x224",
     zoo::mobilenet_v2},
    {"googlenet",
     "GoogLeNet / Inception v1 as torchvision (3x3 in the '5x5' branch), no aux heads, 224x224",
     zoo::googlenet},
    {"inception_v3",
     "Inception v3 as torchvision, no aux head, 299x299 (image_size 224 for calibration)",
     zoo::inception_v3},
    {"densenet121", "DenseNet-121, growth 32, blocks [6,12,24,16], 224x224", zoo::densenet121},
    {"yolov3-tiny", "YOLOv3-tiny (Darknet cfg), two detection heads, 416x416", zoo::yolov3_tiny},
    {"bert-base",
     "BERT-base encoder: 12 layers, hidden 768, 12 heads, FFN 3072; input = embeddings",
     zoo::bert_base},
}};

} // namespace

std::span<const ZooEntry> zoo_models() {
  return kZoo;
}

const ZooEntry* find_zoo_model(std::string_view name) {
  for (const auto& e : kZoo)
    if (e.name == name)
      return &e;
  return nullptr;
}

namespace zoo {

TensorShape image_input(const ZooParams& p, int default_size) {
  const int size = p.image_size > 0 ? p.image_size : default_size;
  return {{p.batch, 3, size, size}};
}

std::string adaptive_avg_pool(ModelBuilder& b, const std::string& name, const std::string& from,
                              int target) {
  const auto& x = b.shape(from);
  if (x[2] == target && x[3] == target)
    return from;
  if (x[2] % target != 0 || x[3] != x[2])
    throw InputError({"zoo"}, fmt::format("layer '{}'", name),
                     fmt::format("a square feature map that is a multiple of {} (choose another "
                                 "image_size)",
                                 target),
                     to_string(x));
  return b.avg_pool(name, from, {.kernel = static_cast<int>(x[2] / target)});
}

} // namespace zoo
} // namespace tandem
