// The built-in zoo against published figures. MAC references are torchvision's model metadata
// ("GFLOPS", which are in fact GMACs of conv and linear layers, the same convention as total_macs)
// and Darknet's printout for yolov3-tiny; parameter counts are torchvision's num_params.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/zoo/zoo.hpp"

using namespace tandem;

namespace {

Model build(std::string_view name, ZooParams p = {}) {
  const auto* e = find_zoo_model(name);
  REQUIRE(e != nullptr);
  return e->build(p);
}

double relative_error(double value, double reference) {
  return std::abs(value - reference) / reference;
}

const Layer& layer(const Model& m, std::string_view name) {
  const auto id = m.find(name);
  REQUIRE(id.has_value());
  return m.layer(*id);
}

// BERT-base encoder MACs per sequence: per layer four 768x768 projections and the 768x3072x2 FFN
// per token, plus QK^T and PV (seq^2 x 768 each).
double bert_macs(double seq) {
  return 12 * (seq * (4.0 * 768 * 768 + 2.0 * 768 * 3072) + 2.0 * seq * seq * 768);
}

} // namespace

TEST_CASE("the zoo lists its ten models in the documented order") {
  constexpr std::array<std::string_view, 10> kNames{
      "alexnet",   "vgg16",        "resnet18",    "resnet50",    "mobilenet_v2",
      "googlenet", "inception_v3", "densenet121", "yolov3-tiny", "bert-base"};
  const auto zoo = zoo_models();
  REQUIRE(zoo.size() == kNames.size());
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    CHECK(zoo[i].name == kNames[i]);
    CHECK(!zoo[i].summary.empty());
    CHECK(find_zoo_model(kNames[i]) == &zoo[i]);
  }
  CHECK(find_zoo_model("resnet05") == nullptr);
}

TEST_CASE("every zoo model builds, named as in the registry, with one input and outputs") {
  for (const auto& e : zoo_models()) {
    CAPTURE(e.name);
    const auto m = e.build({});
    CHECK(m.name() == e.name);
    CHECK(m.layer(m.input()).kind() == OpKind::input);
    CHECK(!m.outputs().empty());
    CHECK(m.total_macs() > 0);
    // The FLOP convention: 2 per MAC plus a few percent of elementwise work.
    CHECK(m.total_flops() >= 2 * m.total_macs());
    CHECK(m.total_flops() < 2.1 * m.total_macs());
  }
}

TEST_CASE("zoo MACs match the published references") {
  struct Reference {
    std::string model;
    double macs;
    double tolerance;
  };
  // torchvision GFLOPS metadata (two or three significant digits, hence 1%); yolov3-tiny: Darknet
  // prints 5.56 BFLOPs (= 2 x MACs) at 416x416.
  const std::array<Reference, 9> kReferences{{
      {"alexnet", 0.71e9, 0.01},
      {"vgg16", 15.47e9, 0.01},
      {"resnet18", 1.81e9, 0.01},
      {"resnet50", 4.09e9, 0.01},
      {"mobilenet_v2", 0.30e9, 0.01},
      {"googlenet", 1.50e9, 0.01},
      {"inception_v3", 5.71e9, 0.01},
      // torchvision says 2.83; counters that add batchnorm and ReLU work (ptflops) say 2.87.
      {"densenet121", 2.83e9, 0.01},
      {"yolov3-tiny", 5.56e9 / 2, 0.01},
  }};
  for (const auto& r : kReferences) {
    CAPTURE(r.model);
    const auto m = build(r.model);
    MESSAGE(r.model << ": " << m.total_macs() / 1e9 << " GMACs (reference " << r.macs / 1e9 << ")");
    CHECK(relative_error(m.total_macs(), r.macs) <= r.tolerance);
  }
  // BERT has no torchvision entry: the closed form, and the usual "about 11 GMACs at 128 tokens".
  CHECK(build("bert-base").total_macs() == doctest::Approx(bert_macs(128)).epsilon(1e-12));
  CHECK(bert_macs(128) == doctest::Approx(11.17e9).epsilon(0.001));
}

TEST_CASE("zoo parameter counts match the published ones") {
  // Exact torchvision num_params (batchnorm scale and shift included, running statistics not).
  CHECK(build("alexnet").total_params() == 61'100'840);
  CHECK(build("vgg16").total_params() == 138'357'544);
  CHECK(build("resnet18").total_params() == 11'689'512);
  CHECK(build("resnet50").total_params() == 25'557'032);
  CHECK(build("mobilenet_v2").total_params() == 3'504'872);
  CHECK(build("googlenet").total_params() == 6'624'904);
  CHECK(build("densenet121").total_params() == 7'978'856);
  // torchvision's 27,161,264 includes the 3,326,696 of the training-only auxiliary classifier.
  CHECK(build("inception_v3").total_params() == 27'161'264 - 3'326'696);
  // BERT-base without embeddings and pooler: 12 x (4 x (768^2 + 768) + 2 x 768 x 3072 + 3072 + 768
  // + 2 layernorms of 2 x 768) = 85,054,464, the "about 85M" of the encoder.
  CHECK(build("bert-base").total_params() == 85'054'464);
  // yolov3-tiny: the sum over the cfg's convs (batchnorm counted as scale and shift), about 8.85M.
  CHECK(build("yolov3-tiny").total_params() == doctest::Approx(8.85e6).epsilon(0.01));
}

TEST_CASE("batch size scales the work but not the weights") {
  for (const auto& e : zoo_models()) {
    CAPTURE(e.name);
    const auto one = e.build({});
    const auto two = e.build({.batch = 2});
    CHECK(two.total_macs() == doctest::Approx(2 * one.total_macs()).epsilon(1e-12));
    CHECK(two.total_flops() == doctest::Approx(2 * one.total_flops()).epsilon(1e-12));
    CHECK(two.total_params() == one.total_params());
    CHECK(two.layer(two.input()).output_shape[0] == 2);
  }
}

TEST_CASE("input sizes: model defaults, image_size and seq_len") {
  const auto r50 = build("resnet50");
  CHECK(r50.layer(r50.input()).output_shape == TensorShape{{1, 3, 224, 224}});
  const auto v3 = build("inception_v3");
  CHECK(v3.layer(v3.input()).output_shape == TensorShape{{1, 3, 299, 299}});
  CHECK(layer(v3, "Mixed_7c.concat").output_shape == TensorShape{{1, 2048, 8, 8}});
  // At 224x224, as Framework-Tax measured it: its thop count is 2.847 GMACs.
  const auto v3_224 = build("inception_v3", {.image_size = 224});
  CHECK(v3_224.layer(v3_224.input()).output_shape == TensorShape{{1, 3, 224, 224}});
  CHECK(relative_error(v3_224.total_macs(), 2.847e9) < 0.01);
  CHECK(v3_224.total_params() == v3.total_params());

  const auto yolo = build("yolov3-tiny");
  CHECK(yolo.layer(yolo.input()).output_shape == TensorShape{{1, 3, 416, 416}});
  REQUIRE(yolo.outputs().size() == 2);
  CHECK(yolo.layer(yolo.outputs()[0]).output_shape == TensorShape{{1, 255, 13, 13}});
  CHECK(yolo.layer(yolo.outputs()[1]).output_shape == TensorShape{{1, 255, 26, 26}});

  const auto bert = build("bert-base", {.seq_len = 64});
  CHECK(bert.layer(bert.input()).output_shape == TensorShape{{1, 64, 768}});
  CHECK(bert.total_macs() == doctest::Approx(bert_macs(64)).epsilon(1e-12));
  REQUIRE(bert.outputs().size() == 1);
  CHECK(bert.layer(bert.outputs()[0]).output_shape == TensorShape{{1, 64, 768}});
  CHECK(layer(bert, "encoder.layer.0.attention.scores").output_shape ==
        TensorShape{{1, 12, 64, 64}});

  // The classifiers' adaptive pools: identity at 224, a plain pool where the size divides evenly.
  const auto vgg448 = build("vgg16", {.image_size = 448});
  CHECK(layer(vgg448, "avgpool").output_shape == TensorShape{{1, 512, 7, 7}});
  CHECK(vgg448.total_params() == 138'357'544);
  CHECK_THROWS_AS(build("alexnet", {.image_size = 300}), InputError);
  CHECK_THROWS_AS(build("alexnet", {.image_size = 32}), InputError); // pool5 finds a 1x1 map
  CHECK_THROWS_AS(build("bert-base", {.seq_len = 0}), InputError);
}

TEST_CASE("zoo architectures: spot checks of shapes along the way") {
  const auto r50 = build("resnet50");
  CHECK(layer(r50, "layer1.0.downsample").output_shape == TensorShape{{1, 256, 56, 56}});
  CHECK(layer(r50, "layer4.2.add").output_shape == TensorShape{{1, 2048, 7, 7}});
  CHECK(r50.layer(r50.outputs().front()).output_shape == TensorShape{{1, 1000}});
  const auto g = build("googlenet");
  CHECK(layer(g, "inception3a.concat").output_shape == TensorShape{{1, 256, 28, 28}});
  CHECK(layer(g, "inception5b.concat").output_shape == TensorShape{{1, 1024, 7, 7}});
  const auto d = build("densenet121");
  CHECK(layer(d, "features.denseblock4.concat").output_shape == TensorShape{{1, 1024, 7, 7}});
  const auto mb = build("mobilenet_v2");
  CHECK(layer(mb, "features.18").output_shape == TensorShape{{1, 1280, 7, 7}});
  // Residual adds only where the block keeps its shape: 10 of MobileNetV2's 17 blocks.
  int adds = 0;
  for (const auto& l : mb.layers())
    if (l.kind() == OpKind::add)
      ++adds;
  CHECK(adds == 10);
}

TEST_CASE("building a zoo model twice gives the same model") {
  for (const auto& e : zoo_models()) {
    CAPTURE(e.name);
    const auto a = e.build({});
    const auto b = e.build({});
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a.layers()[i].name == b.layers()[i].name);
      CHECK(a.layers()[i].attrs == b.layers()[i].attrs);
      CHECK(a.layers()[i].inputs == b.layers()[i].inputs);
    }
  }
}
