// Template rendering for the synthetic ads generator (private to data/src).
//
// Placeholders: {item} {brand} {model} {attr} (the category's lists), {city}, {price},
// {int:A-B}, {x|y|z} (one of x, y, z), and {name} for any list under the noise file's [lists].
// Entries of the lists may hold placeholders too, except the four category-list ones (no
// recursion).
#pragma once

#include <rubrika/data/ads_synth.hpp>
#include <rubrika/random.hpp>
#include <string>
#include <string_view>

namespace rubrika::synth {

struct TemplateScope {
  const SynthCategory& category;
  const SynthNoise& noise;
  const std::string& city;
  const std::string& price;  // formatted with its unit ("4 500 ₽"); empty when no price
};

std::string render(std::string_view text, const TemplateScope& scope, SplitMix64& rng);

// The first problem with `text` as a template ("unknown placeholder {colour}"), or "" when
// it is fine. `in_list`: `text` is a list entry, which may not use {item} {brand} {model} {attr}.
std::string template_problem(std::string_view text, const SynthCategory& category,
                             const SynthNoise& noise, bool in_list);

// A uniformly chosen element; `items` must not be empty.
const std::string& pick(const std::vector<std::string>& items, SplitMix64& rng);
// True with probability `p` (in [0, 1]), using 2^-53-step integer comparison.
bool chance(double p, SplitMix64& rng);

// "1 234 567": groups of three digits separated by spaces.
std::string group_digits(int64_t value);

}  // namespace rubrika::synth
