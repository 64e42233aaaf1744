// ExtendedHead and ExtendedCalibrator: the parts of a run `rubrika extend` changed. A kept
// label's logit and probability are its own part's, whatever other parts exist; a removed
// label's column is gone; only the added (trainable) part trains and fits; a run folder whose
// parts do not match its labels is refused naming the problem.
#include "row_components.hpp"

#include <rubrika/error.hpp>
#include <rubrika/extended_head.hpp>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace rubrika {
namespace {

using testing::TableHead;

// Rows 0 and 1 of a head with `columns` outputs: row r, column c → 10·(offset + c) + r.
std::unique_ptr<Head> table_head(int64_t columns, double offset) {
  torch::Tensor logits = torch::zeros({2, columns});
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < columns; ++c) logits[r][c] = 10.0 * (offset + c) + r;
  return std::make_unique<TableHead>(logits, TaskType::multi_label);
}

EncoderOutput rows(std::vector<int64_t> ids) {
  EncoderOutput out;
  out.cls = torch::tensor(ids, torch::kLong).to(torch::kFloat).unsqueeze(1);
  return out;
}

// The parent's three labels, an added pair, and `labels` as the run's.
ExtendedHead parent_and_added(std::vector<std::string> labels) {
  std::vector<LabelledPart<Head>> parts;
  parts.push_back({table_head(3, 0), {"a", "b", "c"}, false});
  parts.push_back({table_head(2, 3), {"d", "e"}, true});
  return ExtendedHead(std::move(parts), std::move(labels));
}

TEST(ExtendedHead, GathersEachLabelsLogitFromItsOwnPartByName) {
  ExtendedHead head = parent_and_added({"a", "b", "d", "e"});  // c removed
  EXPECT_EQ(head.num_labels(), 4);
  EXPECT_EQ(head.task(), TaskType::multi_label);
  const torch::Tensor logits = head.forward(rows({0, 1}));
  const torch::Tensor expected = torch::tensor({{0.0, 10.0, 30.0, 40.0}, {1.0, 11.0, 31.0, 41.0}});
  EXPECT_TRUE(torch::equal(logits, expected.to(torch::kFloat))) << logits;
  EXPECT_TRUE(torch::allclose(head.probabilities(logits), logits.sigmoid()));
}

TEST(ExtendedHead, OnlyTheTrainablePartHasParameters) {
  // TableHead has no parameters; a trainable part with none gives none, the frozen part is
  // never asked for its own.
  ExtendedHead head = parent_and_added({"a", "b", "c", "d", "e"});
  EXPECT_TRUE(head.named_parameters().empty());
  EXPECT_THROW(head.save("head.safetensors"), Error);
}

TEST(ExtendedHead, RefusesPartsThatDoNotMatchTheRunsLabels) {
  try {
    parent_and_added({"a", "b", "x"});
    FAIL() << "a label in no part was accepted";
  } catch (const ArtifactError& e) {
    EXPECT_NE(std::string(e.what()).find("label 'x' is in no head part"), std::string::npos)
        << e.what();
  }
  std::vector<LabelledPart<Head>> twice;
  twice.push_back({table_head(2, 0), {"a", "b"}, false});
  twice.push_back({table_head(1, 2), {"b"}, true});
  EXPECT_THROW(ExtendedHead(std::move(twice), {"a", "b"}), ArtifactError);
  std::vector<LabelledPart<Head>> short_part;
  short_part.push_back({table_head(2, 0), {"a", "b", "c"}, false});
  EXPECT_THROW(ExtendedHead(std::move(short_part), {"a", "b", "c"}), ArtifactError);
}

// p = sigmoid(scale · logit); fit() sets scale to 1 + the number of columns it was given and
// records the logits it saw.
class ScaleCalibrator : public Calibrator {
 public:
  explicit ScaleCalibrator(double scale) : scale_(scale) {}
  std::map<std::string, double> fit(const torch::Tensor& logits, const torch::Tensor&) override {
    seen = logits.clone();
    scale_ = 1.0 + static_cast<double>(logits.size(1));
    return {{"scale", scale_}};
  }
  torch::Tensor probabilities(const torch::Tensor& logits) const override {
    return (logits * scale_).sigmoid();
  }
  TensorMap state() const override { return {{"scale", torch::tensor({scale_})}}; }
  void load_state(const TensorMap& state) override { scale_ = state.at("scale").item<double>(); }
  torch::Tensor seen;

 private:
  double scale_;
};

TEST(ExtendedCalibrator, KeepsTheFrozenPartAndFitsTheAddedOneOnItsOwnColumns) {
  std::vector<LabelledPart<Calibrator>> parts;
  parts.push_back({std::make_unique<ScaleCalibrator>(0.5), {"a", "b", "c"}, false});
  parts.push_back({std::make_unique<ScaleCalibrator>(1.0), {"d", "e"}, true});
  ExtendedCalibrator calibrator(std::move(parts), {"a", "c", "d", "e"});  // b removed
  const torch::Tensor logits = torch::tensor({{1.0, 2.0, 3.0, 4.0}, {-1.0, -2.0, -3.0, -4.0}});
  const auto figures = calibrator.fit(logits, torch::zeros({2, 4}));
  EXPECT_EQ(figures.at("part1.scale"), 3.0);
  EXPECT_EQ(figures.count("part0.scale"), 0u);
  auto& added = static_cast<ScaleCalibrator&>(*calibrator.parts()[1].component);
  EXPECT_TRUE(torch::equal(added.seen, logits.slice(1, 2, 4)));
  const torch::Tensor p = calibrator.probabilities(logits);
  const torch::Tensor expected = torch::cat(
      {(logits.slice(1, 0, 2) * 0.5).sigmoid(), (logits.slice(1, 2, 4) * 3.0).sigmoid()}, 1);
  EXPECT_TRUE(torch::allclose(p, expected)) << p;
  EXPECT_THROW(calibrator.fit(logits, torch::zeros({2}, torch::kLong)), InputError);
}

TEST(ExtendedCalibrator, StateRoundTripsPerPart) {
  auto make = [](double a, double b) {
    std::vector<LabelledPart<Calibrator>> parts;
    parts.push_back({std::make_unique<ScaleCalibrator>(a), {"a"}, false});
    parts.push_back({std::make_unique<ScaleCalibrator>(b), {"d"}, true});
    return ExtendedCalibrator(std::move(parts), {"a", "d"});
  };
  const ExtendedCalibrator written = make(0.25, 4.0);
  const TensorMap state = written.state();
  EXPECT_EQ(state.count("part0/scale") + state.count("part1/scale"), 2u);
  ExtendedCalibrator read = make(1.0, 1.0);
  read.load_state(state);
  const torch::Tensor logits = torch::tensor({{1.0, 1.0}});
  EXPECT_TRUE(torch::equal(read.probabilities(logits), written.probabilities(logits)));
}

}  // namespace
}  // namespace rubrika
