#pragma once
// Builds models layer by layer, computing shapes as it goes, so zoo definitions read like the
// framework code they mirror:
//   ModelBuilder b("tiny", {{1, 3, 224, 224}});
//   auto x = b.conv("conv1", b.input(), {.out = 64, .kernel = 7, .stride = 2, .pad = 3});
//   x = b.max_pool("pool1", x, {.kernel = 3, .stride = 2, .pad = 1});
// A layer is referred to by its name. Errors (unknown input, shapes that do not fit) throw
// InputError naming the layer.
#include <string>
#include <vector>

#include "core/model.hpp"

namespace tandem {

struct ConvSpec {
  int out = 0;
  int kernel = 1; // square kernel unless kernel_w is set
  int stride = 1;
  int pad = 0; // symmetric unless pad_w is set
  int groups = 1;
  int kernel_w = 0; // 0: same as kernel
  int pad_w = -1;   // -1: same as pad
  int dilation = 1;
  bool batchnorm = true; // folded conv + batchnorm, as frameworks run inference
  bool bias = false;
  Activation activation = Activation::relu;
};

struct PoolSpec {
  int kernel = 2;
  int stride = 0; // 0: same as kernel
  int pad = 0;
  bool ceil_mode = false;
  int pad_end_extra = 0; // extra padding at the bottom/right (Darknet's size-2 stride-1 pool)
};

struct GemmSpec {
  int out = 0;
  bool bias = true;
  Activation activation = Activation::none;
};

class ModelBuilder {
public:
  ModelBuilder(std::string model_name, TensorShape input_shape, std::string input_name = "input");

  const std::string& input() const { return layers_.front().name; }
  const TensorShape& shape(const std::string& layer) const;
  std::int64_t channels(const std::string& layer) const { return shape(layer)[1]; }

  std::string conv(std::string name, const std::string& from, const ConvSpec& spec);
  std::string max_pool(std::string name, const std::string& from, const PoolSpec& spec);
  std::string avg_pool(std::string name, const std::string& from, const PoolSpec& spec);
  std::string global_avg_pool(std::string name, const std::string& from);
  std::string gemm(std::string name, const std::string& from, const GemmSpec& spec);
  std::string add(std::string name, const std::vector<std::string>& from,
                  Activation activation = Activation::none);
  std::string concat(std::string name, const std::vector<std::string>& from, int axis = 1);
  std::string activation(std::string name, const std::string& from, Activation kind);
  std::string batchnorm(std::string name, const std::string& from,
                        Activation activation = Activation::none);
  std::string layernorm(std::string name, const std::string& from);
  std::string softmax(std::string name, const std::string& from, int axis = -1);
  std::string upsample(std::string name, const std::string& from, int scale);
  std::string attention_scores(std::string name, const std::string& query, const std::string& key,
                               int heads);
  std::string attention_context(std::string name, const std::string& probabilities,
                                const std::string& value, int heads);

  // Adds a layer with explicit attributes (used by the generic readers too).
  std::string add_layer(std::string name, OpAttrs attrs, const std::vector<std::string>& from);

  Model build() const;

private:
  LayerId id_of(const std::string& layer, const std::string& user) const;
  std::string model_name_;
  std::vector<Layer> layers_;
};

} // namespace tandem
