#include "bert_encoder.hpp"

#include "bert_checkpoint.hpp"

#include <rubrika/error.hpp>
#include <rubrika/io/checkpoint.hpp>
#include <rubrika/log.hpp>
#include <rubrika/options_reader.hpp>
#include <rubrika/plugin.hpp>
#include <rubrika/runtime.hpp>

#include <c10/core/InferenceMode.h>

#include <fstream>

namespace fs = std::filesystem;

namespace rubrika::bert {

namespace {

constexpr const char* kLog = "encoder/bert";

// The activations a recipe's [encoder.init] may choose (config.json also knows aliases).
constexpr EnumName<Activation> kInitActivationNames[] = {{"gelu", Activation::gelu},
                                                         {"gelu_new", Activation::gelu_tanh},
                                                         {"relu", Activation::relu},
                                                         {"silu", Activation::silu}};

// vocab.txt as a list of tokens in id order.
std::vector<std::string> read_vocab_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read vocabulary", file.string(), "check [encoder.init] vocab");
  std::vector<std::string> tokens;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  return tokens;
}

}  // namespace

BertEncoderPlugin::InitOptions BertEncoderPlugin::InitOptions::from_toml(const toml::table& table) {
  OptionsReader in(table, "encoder.init", /*plugin_table=*/false);
  InitOptions o;
  o.vocab = in.get_path("vocab", {});
  if (o.vocab.empty()) in.fail("vocab", "is required", "a vocab.txt or a folder holding one");
  o.do_lower_case = in.get_bool("do_lower_case", o.do_lower_case);
  o.hidden_size = in.get_int("hidden_size", o.hidden_size, 1, 65536);
  o.num_hidden_layers = in.get_int("num_hidden_layers", o.num_hidden_layers, 1, 1000);
  o.num_attention_heads = in.get_int("num_attention_heads", o.num_attention_heads, 1, 1024);
  if (o.hidden_size % o.num_attention_heads != 0)
    in.fail("num_attention_heads", "must divide hidden_size " + std::to_string(o.hidden_size));
  o.intermediate_size = in.get_int("intermediate_size", o.intermediate_size, 1, 1 << 20);
  o.max_position_embeddings =
      in.get_int("max_position_embeddings", o.max_position_embeddings, 2, 1 << 20);
  o.type_vocab_size = in.get_int("type_vocab_size", o.type_vocab_size, 1, 1024);
  o.hidden_act = in.get_enum("hidden_act", o.hidden_act, kInitActivationNames);
  o.dropout = in.get_double("dropout", o.dropout, 0.0, 0.99);
  o.attention_dropout = in.get_double("attention_dropout", o.attention_dropout, 0.0, 0.99);
  o.initializer_range = in.get_double("initializer_range", o.initializer_range, 1e-6, 10.0);
  o.layer_norm_eps = in.get_double("layer_norm_eps", o.layer_norm_eps, 1e-30, 1.0);
  in.finish();
  return o;
}

BertEncoderPlugin::Options BertEncoderPlugin::Options::from_toml(const toml::table& table) {
  OptionsReader in(table, "encoder");
  Options o;
  o.model = in.get_path("model", {});
  if (const toml::table* init = in.get_table("init")) o.init = InitOptions::from_toml(*init);
  if (o.model.empty() == !o.init.has_value())
    in.fail(o.model.empty() ? "init" : "model",
            o.model.empty() ? "neither `model` nor `init` is given"
                            : "both `model` and `init` are given",
            "set exactly one: model = \"path/to/hf-folder\" or an [encoder.init] table");
  o.max_length = in.get_int("max_length", o.max_length, 2, 1 << 20);
  o.dtype = in.get_enum("dtype", o.dtype, kDtypeNames);
  o.pad_to_multiple_of = in.get_int("pad_to_multiple_of", o.pad_to_multiple_of, 0, 4096);
  in.finish();
  return o;
}

BertEncoderPlugin::BertEncoderPlugin(const PluginContext& context, Options options)
    : options_(std::move(options)), device_(context.device), seed_(context.seed) {
  if (context.use == ArtifactUse::load)
    load_from(context.artifact, context.seed);
  else if (options_.init)
    init_from(*options_.init, context.seed);
  else
    load_from(options_.model, context.seed);
  const int64_t positions = model_->config().max_position_embeddings;
  if (options_.max_length > positions)
    throw RecipeError("[encoder] max_length " + std::to_string(options_.max_length) +
                          " exceeds the model's max_position_embeddings " +
                          std::to_string(positions),
                      "", "set max_length <= " + std::to_string(positions));
  check_precision_supported(options_.dtype, device_, "[encoder] dtype");
  model_->eval();
  model_->to(device_);
  warn_if_bf16_is_emulated();
}

// bf16 only pays off where the CPU multiplies bf16 natively; elsewhere libtorch converts
// every operand and the model runs far slower than fp32 (measured 21x on an AVX2 EPYC).
void BertEncoderPlugin::warn_if_bf16_is_emulated() const {
  if (options_.dtype != Precision::bf16 || !device_.is_cpu()) return;
  const CpuFeatures cpu = detect_cpu_features();
  if (cpu.avx512_bf16 || cpu.amx_bf16) return;
  log_warn(kLog,
           "dtype = \"bf16\" on a CPU without AVX512-BF16 or AMX-BF16: bf16 is emulated "
           "and much slower than fp32 here; set [encoder] dtype = \"fp32\"");
}

void BertEncoderPlugin::load_from(const fs::path& dir, uint64_t seed) {
  try {
    LoadedBert loaded = load_folder(dir, seed);
    model_ = loaded.model;
    source_folder_ = dir;
    tokenizer_ = std::make_unique<BertTokenizer>(BertTokenizer::from_folder(dir));
    log_info(kLog, "loaded " + loaded.weights_file.string() + " (" +
                       std::to_string(model_->config().num_hidden_layers) + " layers × " +
                       std::to_string(model_->config().hidden_size) + ")");
  } catch (...) {
    rethrow_with_context("loading the bert encoder");
  }
}

void BertEncoderPlugin::init_from(const InitOptions& init, uint64_t seed) {
  if (fs::is_directory(init.vocab)) {
    tokenizer_ = std::make_unique<BertTokenizer>(BertTokenizer::from_folder(init.vocab));
  } else {
    BertTokenizerOptions tokenizer_options;
    tokenizer_options.do_lower_case = init.do_lower_case;
    tokenizer_options.model_max_length = init.max_position_embeddings;
    tokenizer_ = std::make_unique<BertTokenizer>(read_vocab_file(init.vocab), tokenizer_options);
  }
  BertConfig config;
  config.vocab_size = tokenizer_->vocab_size();
  config.pad_token_id = tokenizer_->pad_id();
  config.hidden_size = init.hidden_size;
  config.num_hidden_layers = init.num_hidden_layers;
  config.num_attention_heads = init.num_attention_heads;
  config.intermediate_size = init.intermediate_size;
  config.max_position_embeddings = init.max_position_embeddings;
  config.type_vocab_size = init.type_vocab_size;
  config.hidden_act = enum_name(kInitActivationNames, init.hidden_act);
  config.hidden_dropout_prob = init.dropout;
  config.attention_probs_dropout_prob = init.attention_dropout;
  config.initializer_range = init.initializer_range;
  config.layer_norm_eps = init.layer_norm_eps;
  config.validate("[encoder.init]");
  model_ = BertModel(config);
  model_->init_weights(seed);
}

TokenBatch BertEncoderPlugin::tokenize(const std::vector<std::string>& texts,
                                       const std::vector<std::string>* pairs) const {
  if (pairs != nullptr && pairs->size() != texts.size())
    throw InputError("got " + std::to_string(texts.size()) + " texts but " +
                         std::to_string(pairs->size()) + " pair texts",
                     "encoder/bert tokenize", "give one pair text per text");
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string_view pair = pairs ? std::string_view((*pairs)[i]) : std::string_view();
    encodings.push_back(tokenizer_->encode(texts[i], pairs ? &pair : nullptr, options_.max_length));
  }
  return pad(encodings);
}

WindowedBatch BertEncoderPlugin::tokenize_windows(const std::vector<std::string>& texts,
                                                  int64_t stride) const {
  std::vector<Encoding> windows;
  std::vector<int64_t> text_of_row;
  for (size_t i = 0; i < texts.size(); ++i)
    for (Encoding& window : tokenizer_->encode_windows(texts[i], options_.max_length, stride)) {
      windows.push_back(std::move(window));
      text_of_row.push_back(static_cast<int64_t>(i));
    }
  WindowedBatch out;
  out.tokens = pad(windows);
  out.text_of_row = torch::tensor(text_of_row, torch::kLong);
  out.texts = static_cast<int64_t>(texts.size());
  return out;
}

TokenBatch BertEncoderPlugin::pad(const std::vector<Encoding>& encodings) const {
  return tokenizer_->pad(encodings, options_.pad_to_multiple_of);
}

BertModel& BertEncoderPlugin::inference_model() {
  if (training_ || options_.dtype != Precision::bf16 || !device_.is_cpu()) return model_;
  if (!bf16_model_) {
    // Normal tensors even when called under InferenceMode, so they outlive it safely.
    c10::InferenceMode normal_tensors(/*enabled=*/false);
    torch::NoGradGuard no_grad;
    bf16_model_ = BertModel(model_->config());
    auto source = model_->named_parameters();
    for (auto& item : bf16_model_->named_parameters()) item.value().copy_(source[item.key()]);
    bf16_model_->to(torch::kBFloat16);
    bf16_model_->eval();
  }
  return bf16_model_;
}

EncoderOutput BertEncoderPlugin::forward(const TokenBatch& batch, bool output_hidden_states) {
  if (batch.size() == 0) throw InputError("empty batch", "encoder/bert forward");
  if (batch.seq_len() > model_->config().max_position_embeddings)
    throw InputError("sequence of " + std::to_string(batch.seq_len()) +
                         " tokens exceeds max_position_embeddings " +
                         std::to_string(model_->config().max_position_embeddings),
                     "encoder/bert forward", "tokenize with a smaller max_length");
  const TokenBatch on_device = batch.to(device_);
  // On CUDA, inference runs under autocast in the chosen dtype; on the CPU bf16 uses a
  // bf16 copy of the weights instead (inference_model), and training is always fp32 here
  // ([train] mixed_precision turns autocast on around the whole training forward pass).
  const bool autocast = !training_ && device_.is_cuda();
  AutocastScope autocast_scope(device_, autocast ? options_.dtype : Precision::fp32);
  BertModelOutput out = inference_model()->forward(on_device.input_ids, on_device.attention_mask,
                                                   on_device.token_type_ids, output_hidden_states);
  auto fp32 = [](const torch::Tensor& t) { return t.to(torch::kFloat); };
  EncoderOutput result;
  result.last_hidden_state = fp32(out.last_hidden_state);
  result.cls = result.last_hidden_state.select(1, 0);
  result.pooled = fp32(out.pooled);
  result.attention_mask = on_device.attention_mask;
  for (const auto& h : out.hidden_states) result.hidden_states.push_back(fp32(h));
  return result;
}

void BertEncoderPlugin::save(const fs::path& dir) const { save_folder_with(dir, {}); }

void BertEncoderPlugin::save_folder_with(const fs::path& dir,
                                         const std::map<std::string, torch::Tensor>& extra) const {
  try {
    BertModel model = model_;  // shares the modules; save_folder only reads them
    save_folder(dir, model, model_->config(), extra,
                [this](const fs::path& staged) { tokenizer_->save(staged); });
  } catch (...) {
    rethrow_with_context("saving the bert encoder to " + dir.string());
  }
}

BertMlmHead& BertEncoderPlugin::mlm_head() {
  if (mlm_head_) return mlm_head_;
  BertMlmHead head(model_->config());
  head->init_weights(model_->config().initializer_range, seed_);
  bool loaded = false;
  if (!source_folder_.empty()) {
    const fs::path weights = find_weights_file(source_folder_);
    loaded = head->load(read_checkpoint(weights), weights.string());
  }
  log_info(kLog, loaded ? "masked-language-model head loaded from " + source_folder_.string()
                        : "masked-language-model head initialised (the model has none)");
  head->to(device_);
  head->train(training_);
  mlm_head_ = head;
  return mlm_head_;
}

torch::Tensor BertEncoderPlugin::masked_token_logits(const TokenBatch& batch,
                                                     const torch::Tensor& predict) {
  const EncoderOutput out = forward(batch);
  const torch::Tensor chosen = out.last_hidden_state.index({predict.to(device_, torch::kBool)});
  return mlm_head()->forward(chosen, model_->embeddings->word_embeddings->weight).to(torch::kFloat);
}

NamedParameters BertEncoderPlugin::masked_lm_head_parameters() {
  NamedParameters out;
  for (const auto& [key, tensor] : mlm_head()->checkpoint_tensors()) out.emplace_back(key, tensor);
  return out;
}

void BertEncoderPlugin::save_with_masked_lm_head(const fs::path& dir) const {
  if (!mlm_head_)
    throw Error("the masked-language-model head was never used, so there is none to save", "",
                "save() writes the encoder alone");
  save_folder_with(dir, mlm_head_->checkpoint_tensors());
}

NamedParameters BertEncoderPlugin::named_parameters() {
  NamedParameters out;
  for (const auto& item : model_->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

void BertEncoderPlugin::set_training(bool training) {
  training_ = training;
  model_->train(training);
  if (mlm_head_) mlm_head_->train(training);
  if (training) bf16_model_ = nullptr;  // weights will change; rebuilt at the next inference
}

void BertEncoderPlugin::to(const torch::Device& device) {
  device_ = device;
  model_->to(device);
  if (mlm_head_) mlm_head_->to(device);
  bf16_model_ = nullptr;
}

}  // namespace rubrika::bert

RUBRIKA_PLUGIN(rubrika::Encoder, "bert", rubrika::bert::BertEncoderPlugin)
