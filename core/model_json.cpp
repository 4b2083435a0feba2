#include "core/model_json.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace tandem {

NLOHMANN_JSON_SERIALIZE_ENUM(Activation, {{Activation::none, "none"},
                                          {Activation::relu, "relu"},
                                          {Activation::relu6, "relu6"},
                                          {Activation::leaky_relu, "leaky_relu"},
                                          {Activation::sigmoid, "sigmoid"},
                                          {Activation::tanh, "tanh"},
                                          {Activation::gelu, "gelu"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PoolKind, {{PoolKind::max, "max"}, {PoolKind::avg, "avg"}})
NLOHMANN_JSON_SERIALIZE_ENUM(MatMulAttrs::Role, {{MatMulAttrs::Role::scores, "scores"},
                                                 {MatMulAttrs::Role::context, "context"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Padding, top, left, bottom, right)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConvAttrs, in_channels, out_channels, kernel_h,
                                                kernel_w, stride_h, stride_w, pad, dilation_h,
                                                dilation_w, groups, bias, batchnorm, activation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PoolAttrs, kind, kernel_h, kernel_w, stride_h,
                                                stride_w, pad, ceil_mode)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GlobalPoolAttrs, kind)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GemmAttrs, in_features, out_features, bias,
                                                activation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MatMulAttrs, role, heads)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AddAttrs, activation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConcatAttrs, axis)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ActivationAttrs, kind)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BatchNormAttrs, activation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SoftmaxAttrs, axis)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UpsampleAttrs, scale)

namespace {

using nlohmann::json;

struct Context {
  std::string source;
  [[noreturn]] void fail(const std::string& field, const std::string& expected,
                         const std::string& found) const {
    throw InputError({source}, field, expected, found);
  }
};

std::string describe(const json& j) {
  auto text = j.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

void check_keys(const Context& ctx, const json& object, const std::set<std::string>& allowed,
                const std::string& where) {
  for (const auto& [key, value] : object.items())
    if (!allowed.contains(key))
      ctx.fail(where, fmt::format("one of the keys {}", fmt::join(allowed, ", ")),
               fmt::format("unknown key '{}'", key));
}

double number(const Context& ctx, const json& j, const std::string& field, double min) {
  if (!j.is_number())
    ctx.fail(field, fmt::format("a number >= {}", min), describe(j));
  const double v = j.get<double>();
  if (!(v >= min))
    ctx.fail(field, fmt::format("a number >= {}", min), describe(j));
  return v;
}

TensorShape shape(const Context& ctx, const json& j, const std::string& field) {
  if (!j.is_array() || j.empty())
    ctx.fail(field, "a non-empty array of positive integers", describe(j));
  TensorShape s;
  for (const auto& d : j) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 1)
      ctx.fail(field, "a non-empty array of positive integers", describe(j));
    s.dims.push_back(d.get<std::int64_t>());
  }
  return s;
}

template <typename A>
OpAttrs attrs_from(const Context& ctx, const json& j, const std::string& field) {
  A a{};
  try {
    a = j.get<A>();
  } catch (const json::exception& e) {
    ctx.fail(field, "attributes of the right types", e.what());
  }
  // Catch misspelt attributes: every given key must survive a round trip through the struct.
  const json known = a;
  for (const auto& [key, value] : j.items())
    if (!known.contains(key))
      ctx.fail(field, fmt::format("attributes among {}", known.dump()),
               fmt::format("unknown key '{}'", key));
  return a;
}

OpAttrs parse_attrs(const Context& ctx, OpKind kind, const json& j, const std::string& field) {
  switch (kind) {
  case OpKind::conv:
    return attrs_from<ConvAttrs>(ctx, j, field);
  case OpKind::pool:
    return attrs_from<PoolAttrs>(ctx, j, field);
  case OpKind::global_pool:
    return attrs_from<GlobalPoolAttrs>(ctx, j, field);
  case OpKind::gemm:
    return attrs_from<GemmAttrs>(ctx, j, field);
  case OpKind::matmul:
    return attrs_from<MatMulAttrs>(ctx, j, field);
  case OpKind::add:
    return attrs_from<AddAttrs>(ctx, j, field);
  case OpKind::concat:
    return attrs_from<ConcatAttrs>(ctx, j, field);
  case OpKind::activation:
    return attrs_from<ActivationAttrs>(ctx, j, field);
  case OpKind::batchnorm:
    return attrs_from<BatchNormAttrs>(ctx, j, field);
  case OpKind::layernorm:
    return LayerNormAttrs{};
  case OpKind::softmax:
    return attrs_from<SoftmaxAttrs>(ctx, j, field);
  case OpKind::upsample:
    return attrs_from<UpsampleAttrs>(ctx, j, field);
  default:
    return OpaqueAttrs{};
  }
}

json attrs_to_json(const OpAttrs& attrs) {
  return std::visit(
      [](const auto& a) -> json {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, InputAttrs> || std::is_same_v<A, OpaqueAttrs> ||
                      std::is_same_v<A, LayerNormAttrs>)
          return json::object();
        else
          return json(a);
      },
      attrs);
}

// Line and column of a byte offset, for JSON syntax errors.
SourceLocation locate(const std::string& text, std::size_t byte, const std::string& source) {
  SourceLocation where{source, 1, 1};
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++where.line;
      where.column = 1;
    } else {
      ++where.column;
    }
  }
  return where;
}

} // namespace

Model parse_model_json(const std::string& text, const std::string& source) {
  const Context ctx{source};
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    throw InputError(locate(text, e.byte, source),
                     "invalid JSON: " +
                         (colon == std::string::npos ? what : what.substr(colon + 2)));
  }
  if (!doc.is_object())
    ctx.fail("(top level)", "a JSON object", describe(doc));
  check_keys(ctx, doc, {"format", "name", "description", "input_bytes", "input_shape", "layers"},
             "(top level)");
  if (!doc.contains("format") || doc["format"] != kModelJsonFormat)
    ctx.fail("format", fmt::format("\"{}\"", kModelJsonFormat),
             doc.contains("format") ? describe(doc["format"]) : "no format key");
  if (!doc.contains("name") || !doc["name"].is_string() || doc["name"].get<std::string>().empty())
    ctx.fail("name", "a non-empty string",
             doc.contains("name") ? describe(doc["name"]) : "no name");
  if (!doc.contains("layers") || !doc["layers"].is_array() || doc["layers"].empty())
    ctx.fail("layers", "a non-empty array of layers",
             doc.contains("layers") ? describe(doc["layers"]) : "no layers");

  std::vector<Layer> layers(1);
  auto& input = layers[0];
  input.id = layer_id(0);
  input.name = "input";
  input.attrs = InputAttrs{};
  if (doc.contains("input_shape"))
    input.output_shape = shape(ctx, doc["input_shape"], "input_shape");
  if (doc.contains("input_bytes")) {
    const auto bytes = static_cast<Bytes>(number(ctx, doc["input_bytes"], "input_bytes", 1));
    if (input.output_shape.rank() > 0 &&
        bytes != 4 * static_cast<Bytes>(input.output_shape.elements()))
      ctx.fail("input_bytes",
               fmt::format("4 x the input_shape's {} elements", input.output_shape.elements()),
               std::to_string(bytes));
    input.output_bytes_fp32 = bytes;
  } else if (input.output_shape.rank() == 0) {
    ctx.fail("input_bytes", "the input size (input_bytes or input_shape)", "neither");
  }

  // First pass: names, so inputs may refer to layers listed later.
  std::unordered_map<std::string, std::size_t> index{{"input", 0}};
  const auto& jl = doc["layers"];
  for (std::size_t i = 0; i < jl.size(); ++i) {
    const auto& j = jl[i];
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string() ||
        j["name"].get<std::string>().empty())
      ctx.fail(fmt::format("layers[{}]", i), "an object with a non-empty \"name\"", describe(j));
    const auto name = j["name"].get<std::string>();
    if (!index.emplace(name, i + 1).second)
      ctx.fail(fmt::format("layer '{}'", name), "a unique layer name",
               name == "input" ? "the reserved name 'input'" : "a second layer with that name");
  }

  for (std::size_t i = 0; i < jl.size(); ++i) {
    const auto& j = jl[i];
    Layer l;
    l.id = layer_id(i + 1);
    l.name = j["name"].get<std::string>();
    const auto field = fmt::format("layer '{}'", l.name);
    check_keys(ctx, j,
               {"name", "inputs", "op", "attrs", "output_bytes", "output_shape", "flops", "macs",
                "params", "device_ms", "server_ms"},
               field);
    if (!j.contains("inputs") || !j["inputs"].is_array() || j["inputs"].empty())
      ctx.fail(field + ".inputs", "a non-empty array of layer names ('input' for the model input)",
               j.contains("inputs") ? describe(j["inputs"]) : "no inputs");
    for (const auto& in : j["inputs"]) {
      const auto it = in.is_string() ? index.find(in.get<std::string>()) : index.end();
      if (it == index.end())
        ctx.fail(field + ".inputs", "the name of a layer or 'input'", describe(in));
      l.inputs.push_back(layer_id(it->second));
    }
    auto kind = OpKind::opaque;
    if (j.contains("op")) {
      const auto k =
          j["op"].is_string() ? op_kind_from_string(j["op"].get<std::string>()) : std::nullopt;
      if (!k || *k == OpKind::input)
        ctx.fail(field + ".op", "an op kind such as conv, pool, gemm, add, concat or opaque",
                 describe(j["op"]));
      kind = *k;
    }
    l.attrs =
        parse_attrs(ctx, kind, j.contains("attrs") ? j["attrs"] : json::object(), field + ".attrs");
    if (j.contains("output_shape"))
      l.output_shape = shape(ctx, j["output_shape"], field + ".output_shape");
    if (kind == OpKind::opaque) {
      if (!j.contains("output_bytes"))
        ctx.fail(field + ".output_bytes", "the output tensor size in bytes (fp32)",
                 "no output_bytes");
      l.output_bytes_fp32 =
          static_cast<Bytes>(number(ctx, j["output_bytes"], field + ".output_bytes", 1));
      if (j.contains("flops"))
        l.flops = number(ctx, j["flops"], field + ".flops", 0);
      if (j.contains("macs"))
        l.macs = number(ctx, j["macs"], field + ".macs", 0);
      if (j.contains("params"))
        l.params = static_cast<std::int64_t>(number(ctx, j["params"], field + ".params", 0));
    }
    if (j.contains("device_ms"))
      l.device_time_s = ms_to_s(number(ctx, j["device_ms"], field + ".device_ms", 0));
    if (j.contains("server_ms"))
      l.server_time_s = ms_to_s(number(ctx, j["server_ms"], field + ".server_ms", 0));
    layers.push_back(std::move(l));
  }

  // Derived layers must agree with any output_shape the file states.
  std::vector<TensorShape> stated;
  for (const auto& l : layers)
    stated.push_back(l.output_shape);
  auto model = Model::create(doc["name"].get<std::string>(), std::move(layers), source);
  for (const auto& l : model.layers())
    if (l.kind() != OpKind::opaque && stated[index_of(l.id)].rank() > 0 &&
        !(stated[index_of(l.id)] == l.output_shape))
      ctx.fail(fmt::format("layer '{}'.output_shape", l.name),
               fmt::format("the derived shape {}", to_string(l.output_shape)),
               to_string(stated[index_of(l.id)]));
  return model;
}

Model read_model_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    throw InputError({file.string()}, "cannot open the model file (missing or unreadable)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_model_json(text.str(), file.string());
}

json model_to_json(const Model& model) {
  json doc;
  doc["format"] = kModelJsonFormat;
  doc["name"] = model.name();
  const auto& in = model.layer(model.input());
  doc["input_bytes"] = in.output_bytes_fp32;
  if (in.output_shape.rank() > 0)
    doc["input_shape"] = in.output_shape.dims;
  json layers = json::array();
  for (auto id : model.topological_order()) {
    const auto& l = model.layer(id);
    if (l.kind() == OpKind::input)
      continue;
    json j;
    j["name"] = l.name;
    j["op"] = std::string(to_string(l.kind()));
    json inputs = json::array();
    for (auto p : l.inputs)
      inputs.push_back(model.layer(p).name);
    j["inputs"] = inputs;
    if (l.kind() != OpKind::opaque)
      j["attrs"] = attrs_to_json(l.attrs);
    if (l.output_shape.rank() > 0)
      j["output_shape"] = l.output_shape.dims;
    j["output_bytes"] = l.output_bytes_fp32;
    j["flops"] = l.flops;
    j["macs"] = l.macs;
    j["params"] = l.params;
    if (l.device_time_s)
      j["device_ms"] = s_to_ms(*l.device_time_s);
    if (l.server_time_s)
      j["server_ms"] = s_to_ms(*l.server_time_s);
    layers.push_back(std::move(j));
  }
  doc["layers"] = std::move(layers);
  return doc;
}

void write_model_json(const Model& model, const std::filesystem::path& file) {
  std::ofstream out(file);
  if (!out)
    throw InputError({file.string()}, "cannot write the model file");
  out << model_to_json(model).dump(1) << '\n';
}

} // namespace tandem
