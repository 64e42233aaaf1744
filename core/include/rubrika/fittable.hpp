// Fittable: a component that learns from the training texts before training starts
// (e.g. the tfidf encoder's vocabulary and IDF). The classifier stage calls fit() on the
// training split for any encoder that implements it.
#pragma once

#include <string>
#include <vector>

namespace rubrika {

class Fittable {
 public:
  virtual ~Fittable() = default;
  // Learns from normalised training texts.
  virtual void fit(const std::vector<std::string>& texts) = 0;
  virtual bool fitted() const = 0;
};

}  // namespace rubrika
