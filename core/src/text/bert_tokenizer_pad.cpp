// BertTokenizer::pad, apart so that only this file of the tokenizer includes ATen.
#include <rubrika/text/bert_tokenizer.hpp>

#include <ATen/ATen.h>

#include <algorithm>

namespace rubrika {

TokenBatch BertTokenizer::pad(const std::vector<Encoding>& encodings, int64_t pad_to_multiple_of) const {
  int64_t longest = 0;
  for (const auto& e : encodings) longest = std::max<int64_t>(longest, static_cast<int64_t>(e.size()));
  if (pad_to_multiple_of > 0) longest = (longest + pad_to_multiple_of - 1) / pad_to_multiple_of * pad_to_multiple_of;
  const auto n = static_cast<int64_t>(encodings.size());
  at::Tensor ids = at::full({n, longest}, pad_id_, at::kLong);
  at::Tensor mask = at::zeros({n, longest}, at::kLong);
  at::Tensor types = at::zeros({n, longest}, at::kLong);
  auto id = ids.accessor<int64_t, 2>();
  auto m = mask.accessor<int64_t, 2>();
  auto t = types.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const Encoding& e = encodings[static_cast<size_t>(i)];
    for (size_t j = 0; j < e.size(); ++j) {
      id[i][static_cast<int64_t>(j)] = e.input_ids[j];
      m[i][static_cast<int64_t>(j)] = e.attention_mask[j];
      t[i][static_cast<int64_t>(j)] = e.token_type_ids[j];
    }
  }
  return {ids, mask, types};
}

}  // namespace rubrika
