// The files a [data] table names, checked before a run reads them: the recipe check and the
// data stage call it, so a misspelt path fails at its key's file:line:col before anything
// trains. Readers of a trained run's saved recipe do not: its data may have moved since.
#pragma once

#include <rubrika/data/dataset_options.hpp>

#include <toml++/toml.h>

namespace rubrika {

// Throws RecipeError at the key of the first missing file. Every file must be there, except
// those [data.synth] writes when they are missing (train, and ood when ood_n > 0); the
// catalogues it reads must be there when it has something to write. The ads generator writes
// train and ood together, so when only one of the two exists the recipe is refused: a train
// path that points somewhere new beside an existing OOD file is a typo, and generating would
// silently train on synthetic ads and overwrite that OOD file. `table` is the [data] table
// `options` were read from.
void check_dataset_files(const toml::table& table, const DatasetOptions& options);

}  // namespace rubrika
