// [calibrator] keys the calibrate stage reads itself, beside the plugin's own: how small a
// validation split may be before the fit is checked by cross-validation.
#pragma once

#include <rubrika/options_reader.hpp>

#include <toml++/toml.h>

#include <cstdint>

namespace rubrika::detail {

struct CalibrationGuard {
  int64_t min_validation = 300;  // below this many validation texts, check by cross-validation
  int64_t folds = 5;             // folds of that check

  // Reads the two keys (the calibrator plugin's reader accepts and ignores them).
  static CalibrationGuard read(const toml::table& table) {
    OptionsReader in(table, "calibrator");
    CalibrationGuard g;
    g.min_validation = in.get_int("min_validation", g.min_validation, 0, 100000000);
    g.folds = in.get_int("cv_folds", g.folds, 2, 100);
    return g;
  }
};

}  // namespace rubrika::detail
