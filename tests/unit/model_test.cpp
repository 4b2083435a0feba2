#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/model_builder.hpp"

using namespace tandem;

TEST_CASE("conv output shape and MACs follow the textbook formulas") {
  ModelBuilder b("t", {{1, 3, 224, 224}});
  auto c = b.conv("conv1", b.input(), {.out = 64, .kernel = 7, .stride = 2, .pad = 3});
  auto m = b.build();
  const auto& l = m.layer(*m.find(c));
  CHECK(l.output_shape == TensorShape{{1, 64, 112, 112}});
  // 112*112*64 outputs x 3*7*7 weights each.
  CHECK(l.macs == doctest::Approx(112.0 * 112 * 64 * 3 * 49));
  CHECK(l.params == 64 * 3 * 49 + 2 * 64);
  CHECK(l.output_bytes(Precision::fp32()) == 4ull * 64 * 112 * 112);
}

TEST_CASE("pooling with ceil mode drops a window that would start in the padding") {
  ModelBuilder b("t", {{1, 64, 112, 112}});
  auto p = b.max_pool("pool", b.input(), {.kernel = 3, .stride = 2, .ceil_mode = true});
  CHECK(b.shape(p) == TensorShape{{1, 64, 56, 56}});
  ModelBuilder b2("t", {{1, 8, 13, 13}});
  auto p2 = b2.max_pool("pool", b2.input(), {.kernel = 2, .stride = 1, .pad_end_extra = 1});
  CHECK(b2.shape(p2) == TensorShape{{1, 8, 13, 13}});
}

TEST_CASE("a wrong channel count names the layer") {
  std::vector<Layer> layers(2);
  layers[0].id = layer_id(0);
  layers[0].name = "input";
  layers[0].attrs = InputAttrs{};
  layers[0].output_shape = {{1, 3, 32, 32}};
  layers[1].id = layer_id(1);
  layers[1].name = "conv_bad";
  layers[1].inputs = {layer_id(0)};
  ConvAttrs a;
  a.in_channels = 4;
  a.out_channels = 8;
  a.kernel_h = a.kernel_w = 3;
  layers[1].attrs = a;
  try {
    Model::create("bad", layers, "bad.json");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          "bad.json: layer 'conv_bad': expected 4 input channels, found 3 (input shape 1x3x32x32)");
  }
}

TEST_CASE("topological order keeps definition order and outputs are the unconsumed layers") {
  ModelBuilder b("t", {{1, 8, 16, 16}});
  auto l = b.conv("left", b.input(), {.out = 8, .kernel = 3, .pad = 1});
  auto r = b.conv("right", b.input(), {.out = 8, .kernel = 1});
  auto s = b.add("sum", {l, r});
  auto m = b.build();
  std::vector<std::string> names;
  for (auto id : m.topological_order())
    names.push_back(m.layer(id).name);
  CHECK(names == std::vector<std::string>{"input", "left", "right", "sum"});
  REQUIRE(m.outputs().size() == 1);
  CHECK(m.layer(m.outputs()[0]).name == s);
  CHECK(m.successors(m.input()).size() == 2);
}

TEST_CASE("tensor sizes at each precision come from one function") {
  CHECK(tensor_bytes(1000, Precision::fp32()) == 4000);
  CHECK(tensor_bytes(1000, Precision::fp16()) == 2000);
  CHECK(tensor_bytes(1000, Precision::int8()) == 1000 + kQuantizationHeaderBytes);
  CHECK(tensor_bytes(1001, Precision::uniform(4)) == 501 + kQuantizationHeaderBytes);
  CHECK(tensor_bytes(3, Precision::uniform(1)) == 1 + kQuantizationHeaderBytes);
  CHECK(Precision::parse("q4") == Precision::uniform(4));
  CHECK(to_string(Precision::parse("int8")) == "int8");
  CHECK_THROWS_AS(Precision::parse("q17"), std::invalid_argument);
  CHECK_THROWS_AS(Precision::parse("fp8"), std::invalid_argument);
}
