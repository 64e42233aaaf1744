#include <rubrika/error.hpp>
#include <rubrika/train/token_masking.hpp>

#include <ATen/ATen.h>

namespace rubrika {

namespace {

int64_t required_id(const std::vector<std::string>& tokens, const std::string& token,
                    const std::string& source) {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] == token) return static_cast<int64_t>(i);
  throw ArtifactError("the vocabulary has no " + token + " token", source,
                      "masked-language-model pretraining needs a BERT WordPiece vocabulary with "
                      "[CLS], [SEP], [PAD] and [MASK]");
}

// Whether position (row, j) starts a new word: not a "##" piece, or one after a special.
bool starts_word(const at::TensorAccessor<int64_t, 1>& ids, int64_t j, const MaskingVocabulary& v) {
  if (j == 0 || !v.continuation[static_cast<size_t>(ids[j])]) return true;
  const int64_t before = ids[j - 1];
  return before < 0 || before >= v.size || v.special[static_cast<size_t>(before)];
}

}  // namespace

MaskingVocabulary MaskingVocabulary::from_tokens(const std::vector<std::string>& tokens,
                                                 const std::string& source) {
  MaskingVocabulary v;
  v.size = static_cast<int64_t>(tokens.size());
  v.mask_id = required_id(tokens, "[MASK]", source);
  v.pad_id = required_id(tokens, "[PAD]", source);
  v.sep_id = required_id(tokens, "[SEP]", source);
  v.special.assign(tokens.size(), false);
  for (const char* token : {"[CLS]", "[SEP]", "[PAD]", "[MASK]"})
    v.special[static_cast<size_t>(required_id(tokens, token, source))] = true;
  // Nothing can be learnt from predicting [UNK] (Hugging Face never masks it either).
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] == "[UNK]") v.special[i] = true;
  v.continuation.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i)
    v.continuation[i] = tokens[i].size() > 2 && tokens[i].compare(0, 2, "##") == 0;
  return v;
}

MaskedTokens mask_tokens(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                         const MaskingVocabulary& vocabulary, const MaskingOptions& options,
                         at::Generator generator) {
  const at::Tensor ids = input_ids.to(at::kLong).contiguous();
  const at::Tensor mask = attention_mask.to(at::kLong).contiguous();
  const auto gen = generator.defined() ? c10::optional<at::Generator>(generator) : c10::nullopt;
  const at::Tensor choose = at::rand(ids.sizes(), gen, at::kDouble);
  const at::Tensor kind = at::rand(ids.sizes(), gen, at::kDouble);
  const at::Tensor random_ids = at::randint(vocabulary.size, ids.sizes(), gen, at::kLong);
  MaskedTokens out{ids.clone(), at::full(ids.sizes(), kIgnoredLabel, at::kLong), 0};
  auto in = ids.accessor<int64_t, 2>();
  auto real = mask.accessor<int64_t, 2>();
  auto u = choose.accessor<double, 2>();
  auto k = kind.accessor<double, 2>();
  auto r = random_ids.accessor<int64_t, 2>();
  auto masked = out.input_ids.accessor<int64_t, 2>();
  auto labels = out.labels.accessor<int64_t, 2>();
  int64_t first_candidate[2] = {-1, -1};
  auto choose_position = [&](int64_t b, int64_t j) {
    labels[b][j] = in[b][j];
    ++out.chosen;
    if (k[b][j] < 0.8)
      masked[b][j] = vocabulary.mask_id;
    else if (k[b][j] < 0.9)
      masked[b][j] = r[b][j];
  };
  for (int64_t b = 0; b < ids.size(0); ++b) {
    bool word_chosen = false;
    for (int64_t j = 0; j < ids.size(1); ++j) {
      const auto id = static_cast<size_t>(in[b][j]);
      if (real[b][j] == 0 || id >= vocabulary.special.size() || vocabulary.special[id]) continue;
      if (first_candidate[0] < 0) first_candidate[0] = b, first_candidate[1] = j;
      // A word's pieces share the draw of its first piece.
      if (!options.whole_word || starts_word(in[b], j, vocabulary))
        word_chosen = u[b][j] < options.probability;
      if (word_chosen) choose_position(b, j);
    }
  }
  // A short batch can draw no position at all; predicting one keeps its loss defined.
  if (out.chosen == 0 && first_candidate[0] >= 0)
    choose_position(first_candidate[0], first_candidate[1]);
  return out;
}

}  // namespace rubrika
