// reranker/cross_encoder: BERT over the pair "[CLS] text [SEP] label text [SEP]" and one
// linear output over the pooled vector — Hugging Face BertForSequenceClassification with
// num_labels = 1, saved as a Hugging Face folder (reranker/ in the run folder).
//
// Recipe:
//   [reranker]
//   type = "cross_encoder"
//   model = "models/rubert-tiny2"   # any HF BERT folder; default: the run's classifier encoder
//   max_length = 160
//   dropout = 0.1
#include <rubrika/error.hpp>
#include <rubrika/io/safetensors.hpp>
#include <rubrika/log.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>
#include <rubrika/text/bert_tokenizer.hpp>

#include "bert_checkpoint.hpp"

#include <torch/torch.h>

namespace {
namespace fs = std::filesystem;
using rubrika::bert::BertModel;

class CrossEncoder : public rubrika::Reranker {
 public:
  struct Options {
    fs::path model;            // HF folder to start from; empty: the host supplies the classifier's
    int64_t max_length = 160;  // tokens per (text, label) pair, specials included
    double dropout = 0.1;      // before the output layer, training only

    static Options from_toml(const toml::table& table) {
      rubrika::OptionsReader in(table, "reranker");
      Options o;
      o.model = in.get_path("model", {});
      o.max_length = in.get_int("max_length", o.max_length, 8, 4096);
      o.dropout = in.get_double("dropout", o.dropout, 0.0, 0.95);
      in.finish();
      return o;
    }
  };
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "BERT cross-encoder over (text, label text), linear(1) on pooled";

  CrossEncoder(const rubrika::PluginContext& context, Options options)
      : options_(std::move(options)), device_(context.device) {
    const bool trained = context.use == rubrika::ArtifactUse::load;
    const fs::path source = trained ? context.artifact : options_.model;
    if (source.empty())
      throw rubrika::RecipeError(
          "[reranker] needs `model` (a Hugging Face BERT folder)", "",
          "set model = \"path\", or train it in a run whose classifier is BERT");
    auto loaded = rubrika::bert::load_folder(source, context.seed);
    model_ = loaded.model;
    tokenizer_ =
        std::make_unique<rubrika::BertTokenizer>(rubrika::BertTokenizer::from_folder(source));
    const int64_t hidden = model_->config().hidden_size;
    torch::manual_seed(context.seed);
    classifier_ = torch::nn::Linear(hidden, 1);
    {
      torch::NoGradGuard no_grad;
      classifier_->weight.normal_(0.0, model_->config().initializer_range);
      classifier_->bias.zero_();
    }
    if (trained) load_classifier(loaded.weights_file);
    dropout_ = torch::nn::Dropout(options_.dropout);
    if (options_.max_length > model_->config().max_position_embeddings)
      options_.max_length = model_->config().max_position_embeddings;
    to(device_);
    set_training(false);
  }

  torch::Tensor score_pairs(const std::vector<std::string>& texts,
                            const std::vector<std::string>& candidates) override {
    if (texts.size() != candidates.size())
      throw rubrika::InputError("reranker: " + std::to_string(texts.size()) + " texts but " +
                                std::to_string(candidates.size()) + " candidates");
    if (texts.empty()) return torch::zeros({0});
    std::vector<rubrika::Encoding> encodings;
    encodings.reserve(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string_view pair(candidates[i]);
      encodings.push_back(tokenizer_->encode(texts[i], &pair, options_.max_length));
    }
    rubrika::TokenBatch batch = tokenizer_->pad(encodings).to(device_);
    auto out = model_->forward(batch.input_ids, batch.attention_mask, batch.token_type_ids);
    return classifier_->forward(dropout_->forward(out.pooled)).squeeze(-1);  // [n]
  }

  void save(const fs::path& dir) const override {
    BertModel model = model_;
    rubrika::bert::BertConfig config = model_->config();
    config.id2label = {"LABEL_0"};  // num_labels = 1: one relevance logit
    config.architecture = "BertForSequenceClassification";
    rubrika::bert::save_folder(dir, model, config,
                               {{"classifier.weight", classifier_->weight.detach().cpu()},
                                {"classifier.bias", classifier_->bias.detach().cpu()}},
                               [this](const fs::path& target) { tokenizer_->save(target); });
  }

  rubrika::NamedParameters named_parameters() override {
    rubrika::NamedParameters out;
    for (const auto& item : model_->named_parameters())
      out.emplace_back("bert." + item.key(), item.value());
    out.emplace_back("head.classifier.weight", classifier_->weight);
    out.emplace_back("head.classifier.bias", classifier_->bias);
    return out;
  }
  void set_training(bool training) override {
    model_->train(training);
    dropout_->train(training);
  }
  void to(const torch::Device& device) override {
    device_ = device;
    model_->to(device);
    classifier_->to(device);
  }

 private:
  void load_classifier(const fs::path& weights_file) {
    auto tensors = rubrika::load_safetensors(weights_file);
    for (auto [name, target] :
         {std::pair<std::string, torch::Tensor>{"classifier.weight", classifier_->weight},
          {"classifier.bias", classifier_->bias}}) {
      auto found = tensors.find(name);
      if (found == tensors.end() || found->second.sizes() != target.sizes())
        throw rubrika::ArtifactError(
            "missing or misshapen '" + name + "' (a num_labels = 1 classifier)",
            weights_file.string(), "the reranker folder was not written by rubrika");
      torch::NoGradGuard no_grad;
      target.copy_(found->second);
    }
  }

  Options options_;
  torch::Device device_;
  BertModel model_{nullptr};
  std::unique_ptr<rubrika::BertTokenizer> tokenizer_;
  torch::nn::Linear classifier_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Reranker, "cross_encoder", CrossEncoder)
