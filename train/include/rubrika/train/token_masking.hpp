// Token masking for masked-language-model pretraining (BERT's recipe, as Hugging Face's
// DataCollatorForLanguageModeling and DataCollatorForWholeWordMask apply it).
//
// Of the real tokens of each text (never [CLS], [SEP], [PAD], [MASK] or [UNK]), each is chosen with
// probability `probability` (0.15); with `whole_word`, each word is chosen with that
// probability and all its WordPiece pieces ("##" continuations) go with it. A chosen token
// becomes [MASK] 80% of the time, a uniformly random token 10% and stays itself 10%; the
// model must predict the original at every chosen position. Masks are drawn afresh on every
// call from the generator (dynamic masking: a text is masked differently each epoch), so a
// seeded generator gives the same masks again (resume, fixed evaluation masks).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rubrika {

// What masking needs to know of a WordPiece vocabulary (vocab.txt, one token per line).
struct MaskingVocabulary {
  int64_t size = 0;
  int64_t mask_id = -1;
  int64_t pad_id = -1;
  int64_t sep_id = -1;
  std::vector<bool> special;       // [CLS], [SEP], [PAD], [MASK], [UNK]: never chosen
  std::vector<bool> continuation;  // "##…" pieces: part of the word before them

  // Throws rubrika::ArtifactError when `tokens` has no [MASK] (or [CLS]/[SEP]/[PAD]);
  // `source` names the vocabulary in the message.
  static MaskingVocabulary from_tokens(const std::vector<std::string>& tokens,
                                       const std::string& source);
};

struct MaskingOptions {
  double probability = 0.15;  // share of tokens (or words) to predict
  bool whole_word = false;    // choose words, not pieces
};

// Label value of a position the loss ignores (PyTorch's cross_entropy default).
constexpr int64_t kIgnoredLabel = -100;

struct MaskedTokens {
  at::Tensor input_ids;  // [batch, seq] int64: the masked input
  at::Tensor labels;     // [batch, seq] int64: the original id where chosen, else kIgnoredLabel
  int64_t chosen = 0;    // positions to predict
};

// Masks the real tokens of a CPU batch (attention_mask 1). Draws from `generator` (the
// default CPU generator when undefined). A batch with a real token always has at least one
// chosen position, so its loss is defined.
MaskedTokens mask_tokens(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                         const MaskingVocabulary& vocabulary, const MaskingOptions& options,
                         at::Generator generator = {});

}  // namespace rubrika
