// head/multilabel: one sigmoid per label over the encoder vector, binary cross-entropy —
// for news topics where a text has several labels. Class weights act as BCE pos_weight.
// A text has label j when sigmoid(logit_j) > 0.5 (logit > 0). Options (features, dropout,
// initializer_range) and the network (dropout + one linear layer, "classifier.*" weights)
// are the shared rubrika::heads::SingleLayerHead; only the task differs from head/linear.
#include <rubrika/heads/dense_head.hpp>
#include <rubrika/plugin.hpp>

namespace {

class MultilabelHead : public rubrika::heads::SingleLayerHead {
 public:
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "dropout + linear, one sigmoid per label (BCE)";

  MultilabelHead(const rubrika::PluginContext& context, const Options& options)
      : SingleLayerHead(context, options, {"multilabel", 1, rubrika::TaskType::multi_label}) {}
};

}  // namespace

RUBRIKA_PLUGIN(rubrika::Head, "multilabel", MultilabelHead)
