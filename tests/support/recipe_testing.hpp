// Helpers for tests of recipe and options errors: parse TOML text as if it came from a recipe
// file, and catch the RecipeError a call throws (a test failure when it throws none).
#pragma once

#include <rubrika/error.hpp>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>

namespace rubrika::test {

// `text` parsed with "/recipes/r.toml" as its source, so errors name "/recipes/r.toml:L:C".
inline toml::table parse_recipe_table(const std::string& text) {
  return toml::parse(text, std::string("/recipes/r.toml"));
}

template <class Fn>
RecipeError recipe_error(Fn&& fn) {
  try {
    fn();
  } catch (const RecipeError& e) {
    return e;
  }
  ADD_FAILURE() << "no RecipeError thrown";
  return RecipeError("none");
}

}  // namespace rubrika::test
