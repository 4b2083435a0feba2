// BERT-base encoder (Devlin et al. 2019; Hugging Face BertModel without pooler): 12 post-norm
// transformer layers, hidden 768, 12 heads, FFN 3072 with GELU. The model input is the output of
// the embedding block, [batch, seq_len, 768]: the embedding lookups are gathers, not compute, and
// their 23.8M parameters are left out with them.
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/zoo/families.hpp"

namespace tandem::zoo {
namespace {

constexpr int kLayers = 12;
constexpr int kHidden = 768;
constexpr int kHeads = 12;
constexpr int kFfn = 3072;

std::string encoder_layer(ModelBuilder& b, const std::string& p, const std::string& x) {
  const auto q = b.gemm(p + ".attention.query", x, {.out = kHidden});
  const auto k = b.gemm(p + ".attention.key", x, {.out = kHidden});
  const auto v = b.gemm(p + ".attention.value", x, {.out = kHidden});
  // The 1/sqrt(head size) scaling is folded into the query weights, as inference runtimes do.
  auto a = b.attention_scores(p + ".attention.scores", q, k, kHeads);
  a = b.softmax(p + ".attention.softmax", a);
  a = b.attention_context(p + ".attention.context", a, v, kHeads);
  a = b.gemm(p + ".attention.output", a, {.out = kHidden});
  a = b.add(p + ".attention.residual", {a, x});
  a = b.layernorm(p + ".attention.layernorm", a);
  auto f = b.gemm(p + ".intermediate", a, {.out = kFfn, .activation = Activation::gelu});
  f = b.gemm(p + ".output", f, {.out = kHidden});
  f = b.add(p + ".output.residual", {f, a});
  return b.layernorm(p + ".output.layernorm", f);
}

} // namespace

Model bert_base(const ZooParams& p) {
  if (p.seq_len < 1)
    throw InputError({"zoo:bert-base"}, "seq_len", "a positive sequence length",
                     std::to_string(p.seq_len));
  ModelBuilder b("bert-base", {{p.batch, p.seq_len, kHidden}});
  auto x = b.input();
  for (int i = 0; i < kLayers; ++i)
    x = encoder_layer(b, fmt::format("encoder.layer.{}", i), x);
  return b.build();
}

} // namespace tandem::zoo
