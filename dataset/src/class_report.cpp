#include <algorithm>
#include <rubrika/data/dataset.hpp>
#include <rubrika/error.hpp>
#include <rubrika/text/utf8.hpp>

namespace rubrika {
namespace {

std::string pad_left(const std::string& text, size_t width) {
  const size_t length = utf8::length(text);
  return length >= width ? text : std::string(width - length, ' ') + text;
}

std::string pad_right(const std::string& text, size_t width) {
  const size_t length = utf8::length(text);
  return length >= width ? text : text + std::string(width - length, ' ');
}

}  // namespace

std::vector<int64_t> class_counts(const DataSplit& split, int64_t num_labels) {
  std::vector<int64_t> counts(static_cast<size_t>(std::max<int64_t>(num_labels, 0)), 0);
  for (int64_t id : split.labels) {
    if (id < 0 || id >= num_labels)
      throw InputError(
          "class id " + std::to_string(id) + " is outside 0.." + std::to_string(num_labels - 1),
          "class_counts");
    ++counts[id];
  }
  for (const auto& row : split.multi_hot)
    for (size_t j = 0; j < row.size() && j < counts.size(); ++j)
      if (row[j] > 0.5f) ++counts[j];
  return counts;
}

std::string class_count_report(const Dataset& dataset) {
  const int64_t k = dataset.labels.size();
  const std::vector<int64_t> train = class_counts(dataset.train, k);
  const std::vector<int64_t> validation = class_counts(dataset.validation, k);
  const std::vector<int64_t> test = class_counts(dataset.test, k);
  size_t width = utf8::length("label");
  for (const auto& name : dataset.labels.names()) width = std::max(width, utf8::length(name));
  auto line = [&](const std::string& label, int64_t a, int64_t b, int64_t c) {
    return pad_right(label, width) + pad_left(std::to_string(a), 8) +
           pad_left(std::to_string(b), 12) + pad_left(std::to_string(c), 8) +
           pad_left(std::to_string(a + b + c), 8) + "\n";
  };
  std::string out = pad_right("label", width) + pad_left("train", 8) + pad_left("validation", 12) +
                    pad_left("test", 8) + pad_left("total", 8) + "\n";
  for (int64_t id = 0; id < k; ++id)
    out += line(dataset.labels.name(id), train[id], validation[id], test[id]);
  out += line(dataset.multi_label ? "texts" : "total", static_cast<int64_t>(dataset.train.size()),
              static_cast<int64_t>(dataset.validation.size()),
              static_cast<int64_t>(dataset.test.size()));
  out += std::to_string(k) + " labels" + (dataset.multi_label ? " (multi-label)" : "") + "; " +
         std::to_string(dataset.skipped_empty) + " empty texts skipped";
  if (!dataset.ood_texts.empty())
    out += "; " + std::to_string(dataset.ood_texts.size()) + " out-of-domain texts";
  out += "\n";
  return out;
}

}  // namespace rubrika
