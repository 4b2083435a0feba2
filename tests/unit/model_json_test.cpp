#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/model_builder.hpp"
#include "core/model_json.hpp"

using namespace tandem;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_model_json(text, "m.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
} // namespace

TEST_CASE("the design.md contract example reads as two opaque layers with measured times") {
  const auto m =
      parse_model_json(R"({"format": "tandem-model/1", "name": "tiny", "input_bytes": 602112,
 "layers": [
   {"name": "conv1", "inputs": ["input"], "output_bytes": 802816, "flops": 118013952,
    "device_ms": 12.5, "server_ms": 0.4},
   {"name": "fc", "inputs": ["conv1"], "output_bytes": 4000, "device_ms": 1.0, "server_ms": 0.1}]})",
                       "tiny.json");
  REQUIRE(m.size() == 3);
  const auto& conv = m.layer(*m.find("conv1"));
  CHECK(conv.kind() == OpKind::opaque);
  CHECK(conv.output_bytes_fp32 == 802816);
  CHECK(conv.flops == 118013952);
  CHECK(*conv.device_time_s == doctest::Approx(0.0125).epsilon(1e-12));
  CHECK(m.layer(m.input()).output_bytes_fp32 == 602112);
  REQUIRE(m.outputs().size() == 1);
  CHECK(m.layer(m.outputs()[0]).name == "fc");
  // Quantized sizes of an opaque tensor follow from its fp32 size.
  CHECK(m.layer(m.outputs()[0]).output_bytes(Precision::int8()) == 1000 + kQuantizationHeaderBytes);
}

TEST_CASE("a cycle is rejected naming a layer on it") {
  CHECK(error_of(R"({"format": "tandem-model/1", "name": "c", "input_bytes": 4, "layers": [
      {"name": "a", "inputs": ["input", "b"], "output_bytes": 4},
      {"name": "b", "inputs": ["a"], "output_bytes": 4}]})") ==
        "m.json: layer 'a': expected an acyclic graph, found a cycle through 'b' -> 'a'");
}

TEST_CASE("an unknown input name is rejected naming the layer") {
  CHECK(error_of(R"({"format": "tandem-model/1", "name": "u", "input_bytes": 4, "layers": [
      {"name": "a", "inputs": ["inptu"], "output_bytes": 4}]})") ==
        "m.json: layer 'a'.inputs: expected the name of a layer or 'input', found \"inptu\"");
}

TEST_CASE("syntax errors give the line and column, unknown keys the layer") {
  CHECK(
      error_of("{\"format\": \"tandem-model/1\",\n \"name\": }") ==
      "m.json:2:10: invalid JSON: syntax error while parsing value - unexpected '}'; expected '[', "
      "'{', or a literal");
  CHECK(error_of(R"({"format": "tandem-model/1", "name": "k", "input_bytes": 4, "layers": [
      {"name": "a", "inputs": ["input"], "output_bytes": 4, "device_sm": 3}]})")
            .starts_with("m.json: layer 'a': expected one of the keys"));
  CHECK(error_of(R"({"format": "tandem-model/2", "name": "k", "input_bytes": 4, "layers": []})") ==
        "m.json: format: expected \"tandem-model/1\", found \"tandem-model/2\"");
  CHECK(error_of(R"({"format": "tandem-model/1", "name": "k", "input_bytes": 4, "layers": [
      {"name": "a", "inputs": ["input"], "output_bytes": -4}]})") ==
        "m.json: layer 'a'.output_bytes: expected a number >= 1, found -4");
}

TEST_CASE("a built model survives a JSON round trip with the same shapes and work") {
  ModelBuilder b("rt", {{1, 3, 32, 32}});
  auto c = b.conv("conv", b.input(), {.out = 16, .kernel = 3, .stride = 1, .pad = 1});
  auto p = b.max_pool("pool", c, {.kernel = 2});
  auto l = b.conv("left", p, {.out = 8, .kernel = 1});
  auto r = b.conv("right", p,
                  {.out = 8, .kernel = 3, .pad = 1, .groups = 8, .activation = Activation::relu6});
  auto cat = b.concat("cat", {l, r});
  b.gemm("fc", cat, {.out = 10});
  const auto original = b.build();
  const auto copy = parse_model_json(model_to_json(original).dump(), "rt.json");
  REQUIRE(copy.size() == original.size());
  for (std::size_t i = 0; i < copy.size(); ++i) {
    const auto& a = original.layers()[i];
    const auto& z = copy.layers()[i];
    CHECK(a.name == z.name);
    CHECK(a.attrs == z.attrs);
    CHECK(a.output_shape == z.output_shape);
    CHECK(a.flops == z.flops);
    CHECK(a.params == z.params);
  }
  CHECK(copy.total_macs() == original.total_macs());
}

TEST_CASE("a derived layer whose stated shape disagrees is rejected") {
  CHECK(
      error_of(R"({"format": "tandem-model/1", "name": "s", "input_shape": [1, 3, 8, 8], "layers": [
      {"name": "c", "op": "conv", "inputs": ["input"], "output_shape": [1, 4, 8, 8],
       "attrs": {"in_channels": 3, "out_channels": 4, "kernel_h": 3, "kernel_w": 3}}]})") ==
      "m.json: layer 'c'.output_shape: expected the derived shape 1x4x6x6, found 1x4x8x8");
  CHECK(
      error_of(R"({"format": "tandem-model/1", "name": "s", "input_shape": [1, 3, 8, 8], "layers": [
      {"name": "c", "op": "conv", "inputs": ["input"],
       "attrs": {"in_channels": 3, "out_channels": 4, "kernal_h": 3}}]})")
          .starts_with("m.json: layer 'c'.attrs: expected attributes among"));
}
