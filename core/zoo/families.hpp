#pragma once
// Internal to the zoo: one builder per model, defined in the file of its family (alexnet.cpp,
// resnet.cpp, ...) and listed by zoo.cpp. Users go through zoo_models() / find_zoo_model().
#include <string>

#include "core/model.hpp"
#include "core/model_builder.hpp"
#include "core/zoo/zoo.hpp"

namespace tandem::zoo {

Model alexnet(const ZooParams& p);
Model vgg16(const ZooParams& p);
Model resnet18(const ZooParams& p);
Model resnet50(const ZooParams& p);
Model mobilenet_v2(const ZooParams& p);
Model googlenet(const ZooParams& p);
Model inception_v3(const ZooParams& p);
Model densenet121(const ZooParams& p);
Model yolov3_tiny(const ZooParams& p);
Model bert_base(const ZooParams& p);

// Not in the zoo: JaredFern/Framework-Tax's published "densenet" time is DenseNet-161's (its CSV
// gives 7.79 GMACs and 28.68M parameters), so calibration needs this one too.
Model densenet161(const ZooParams& p);

// The NCHW input of an image model: batch x 3 x size x size, size defaulting to the model's own.
// Sizes that do not fit the network surface as the builder's InputError naming the layer.
TensorShape image_input(const ZooParams& p, int default_size);

// torchvision's AdaptiveAvgPool2d to `target` x `target` in front of a classifier: nothing at the
// image size the network was designed for, an ordinary average pool when the size divides evenly.
// Other sizes would need the uneven windows of adaptive pooling, which no op kind here models.
std::string adaptive_avg_pool(ModelBuilder& b, const std::string& name, const std::string& from,
                              int target);

} // namespace tandem::zoo
