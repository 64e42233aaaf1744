// The current time as run folders, pipeline.toml lineage and /v1/info record it.
#pragma once

#include <string>

namespace rubrika {

// UTC now in ISO 8601 to the second: "2026-12-03T09:36:37Z".
std::string utc_now();

}  // namespace rubrika
