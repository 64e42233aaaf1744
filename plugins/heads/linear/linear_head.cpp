// head/linear: dropout + one linear layer over the encoder's pooled (or CLS, or mean)
// vector, softmax — exactly Hugging Face's BertForSequenceClassification head, with the
// same parameter names (classifier.weight [labels, hidden], classifier.bias [labels]) so a
// trained model exports as one HF folder. Options (features = "pooled", dropout = 0.1 as
// HF's hidden_dropout_prob, initializer_range = 0.02) and the network are the shared
// rubrika::heads::SingleLayerHead.
#include <rubrika/heads/dense_head.hpp>
#include <rubrika/plugin.hpp>

namespace {

class LinearHead : public rubrika::heads::SingleLayerHead {
 public:
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "dropout + linear, softmax (HF BertForSequenceClassification)";

  LinearHead(const rubrika::PluginContext& context, const Options& options)
      : SingleLayerHead(context, options, {"linear", 2, rubrika::TaskType::single_label}) {}
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Head, "linear", LinearHead)
