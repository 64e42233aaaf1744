// What the reload tests check on a classify answer: that it came wholly from one backend.
// FakeRunLoader's backends name their labels "RUN/label", so every label of one answer —
// each result's label and its top-k — must carry the same RUN.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace rubrika::serve::testing {

// The RUN part of "RUN/label"; "" for a label without one.
inline std::string run_of_label(const std::string& label) {
  const size_t slash = label.find('/');
  return slash == std::string::npos ? "" : label.substr(0, slash);
}

// The one RUN all labels of a classify answer {"results": [...]} carry, "" when there
// are none, or "MIXED" when they differ.
inline std::string run_of_answer(const nlohmann::json& answer) {
  std::string run;
  bool first = true;
  const auto see = [&](const std::string& label) {
    const std::string of = run_of_label(label);
    if (first) run = of;
    if (!first && of != run) run = "MIXED";
    first = false;
  };
  for (const auto& result : answer.at("results")) {
    see(result.at("label").get<std::string>());
    for (const auto& item : result.at("top_k")) see(item.at("label").get<std::string>());
  }
  return run;
}

}  // namespace rubrika::serve::testing
