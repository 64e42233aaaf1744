#include "synth_template.hpp"

#include <cstdlib>

namespace rubrika::synth {
namespace {

// {int:A-B}: parses A and B (non-negative); false when malformed.
bool parse_range(std::string_view spec, int64_t& lo, int64_t& hi) {
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= spec.size()) return false;
  auto number = [](std::string_view digits, int64_t& out) {
    if (digits.empty() || digits.size() > 12) return false;
    out = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  return number(spec.substr(0, dash), lo) && number(spec.substr(dash + 1), hi) && lo <= hi;
}

const std::vector<std::string>* category_list(std::string_view name, const SynthCategory& c) {
  if (name == "item") return &c.items;
  if (name == "brand") return &c.brands;
  if (name == "model") return &c.models;
  if (name == "attr") return &c.attributes;
  return nullptr;
}

std::vector<std::string_view> split_choices(std::string_view spec) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    const size_t bar = spec.find('|', begin);
    parts.push_back(spec.substr(begin, bar == std::string_view::npos ? bar : bar - begin));
    if (bar == std::string_view::npos) return parts;
    begin = bar + 1;
  }
}

// One placeholder's problem, "" when fine.
std::string placeholder_problem(std::string_view name, const SynthCategory& category,
                                const SynthNoise& noise, bool in_list) {
  const std::string shown = "{" + std::string(name) + "}";
  if (name.find('|') != std::string_view::npos) return {};
  if (name.substr(0, 4) == "int:") {
    int64_t lo = 0, hi = 0;
    return parse_range(name.substr(4), lo, hi) ? std::string()
                                               : shown + " must be {int:A-B} with 0 <= A <= B";
  }
  if (name == "city") return {};
  if (name == "price")
    return category.has_price ? std::string() : shown + " needs the category's price = [min, max]";
  if (const auto* list = category_list(name, category)) {
    if (in_list) return shown + " cannot be used inside a list entry";
    return list->empty()
               ? shown + " needs a non-empty '" +
                     (name == "attr" ? std::string("attributes") : std::string(name) + "s") +
                     "' list in this category"
               : std::string();
  }
  if (noise.lists.count(std::string(name))) return {};
  return "unknown placeholder " + shown +
         " (known: item, brand, model, attr, city, price, int:A-B, x|y, and the noise [lists])";
}

}  // namespace

const std::string& pick(const std::vector<std::string>& items, SplitMix64& rng) {
  return items[rng.below(items.size())];
}

bool chance(double p, SplitMix64& rng) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  // p * 2^53 is exact for any double in (0, 1) rounded to 53 bits; compare integers.
  const auto threshold = static_cast<uint64_t>(p * 9007199254740992.0);
  return (rng.next() >> 11) < threshold;
}

std::string group_digits(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(' ');
    out.push_back(digits[i]);
  }
  return value < 0 ? "-" + out : out;
}

std::string render(std::string_view text, const TemplateScope& scope, SplitMix64& rng) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    const size_t close = text.find('}', open);
    out.append(text.substr(pos, open - pos));
    if (close == std::string_view::npos) {  // validated at load; keep the rest literally
      out.append(text.substr(open));
      break;
    }
    const std::string_view name = text.substr(open + 1, close - open - 1);
    pos = close + 1;
    if (name.find('|') != std::string_view::npos) {
      const auto choices = split_choices(name);
      out.append(choices[rng.below(choices.size())]);
    } else if (name.substr(0, 4) == "int:") {
      int64_t lo = 0, hi = 0;
      parse_range(name.substr(4), lo, hi);
      out += std::to_string(lo + static_cast<int64_t>(rng.below(hi - lo + 1)));
    } else if (name == "city") {
      out += scope.city;
    } else if (name == "price") {
      out += scope.price;
    } else {
      const auto* list = category_list(name, scope.category);
      if (list == nullptr) list = &scope.noise.lists.at(std::string(name));
      // List entries may hold placeholders of their own ({int:...}, {color}...).
      out += render(pick(*list, rng), scope, rng);
    }
  }
  return out;
}

std::string template_problem(std::string_view text, const SynthCategory& category,
                             const SynthNoise& noise, bool in_list) {
  size_t pos = 0;
  while (true) {
    const size_t open = text.find('{', pos);
    const size_t stray = text.find('}', pos);
    if (stray != std::string_view::npos && stray < open) return "'}' without a matching '{'";
    if (open == std::string_view::npos) return {};
    const size_t close = text.find('}', open);
    if (close == std::string_view::npos) return "'{' without a closing '}'";
    const std::string_view name = text.substr(open + 1, close - open - 1);
    if (name.find('{') != std::string_view::npos) return "placeholders cannot be nested";
    std::string problem = placeholder_problem(name, category, noise, in_list);
    if (!problem.empty()) return problem;
    pos = close + 1;
  }
}

}  // namespace rubrika::synth
