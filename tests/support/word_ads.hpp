// A tiny labelled ads file for CLI tests: three classes told apart by their words.
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rubrika::testing {

// `rows` ads per class as CSV title,description,category (Мебель, Авто, Работа).
inline std::string word_ads_csv(int rows, unsigned seed) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> classes = {
      {"Мебель", {"диван", "шкаф", "стол", "кресло", "комод", "кровать"}},
      {"Авто", {"машина", "двигатель", "колеса", "пробег", "седан", "шины"}},
      {"Работа", {"вакансия", "зарплата", "график", "опыт", "резюме", "смена"}}};
  std::mt19937 rng(seed);
  const auto any = [&](const std::vector<std::string>& words) {
    return words[rng() % words.size()];
  };
  std::string csv = "title,description,category\n";
  for (int i = 0; i < rows; ++i)
    for (const auto& [label, words] : classes)
      csv += any(words) + " " + any(words) + ",продаю " + any(words) + " недорого," + label + "\n";
  return csv;
}

}  // namespace rubrika::testing
