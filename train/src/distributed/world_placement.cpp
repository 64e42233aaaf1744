#include <rubrika/error.hpp>
#include <rubrika/train/communicator.hpp>

#include <cstdlib>
#include <optional>

namespace rubrika {
namespace {

constexpr const char* kHint = "set it as torchrun does, or use rubrika train --nproc-per-node N";

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// The variable's integer value, `fallback` when unset; InputError when it is not a number.
int integer(const char* name, int fallback) {
  const auto text = variable(name);
  if (!text) return fallback;
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size())
    throw InputError("'" + *text + "' is not a whole number", std::string("environment ") + name,
                     kHint);
  return value;
}

void require(const char* name) {
  if (!variable(name))
    throw InputError("is not set, and WORLD_SIZE says this process is one of several",
                     std::string("environment ") + name, kHint);
}

}  // namespace

WorldPlacement WorldPlacement::from_environment() {
  WorldPlacement p;
  p.world_size = integer("WORLD_SIZE", 1);
  if (p.world_size < 1)
    throw InputError("must be at least 1, not " + std::to_string(p.world_size),
                     "environment WORLD_SIZE", kHint);
  if (p.world_size > 1) {
    require("RANK");
    require("MASTER_PORT");
  }
  p.rank = integer("RANK", 0);
  if (p.rank < 0 || p.rank >= p.world_size)
    throw InputError("rank " + std::to_string(p.rank) + " is outside a world of " +
                         std::to_string(p.world_size) + " processes",
                     "environment RANK", kHint);
  p.local_rank = integer("LOCAL_RANK", p.rank);
  p.local_world_size = integer("LOCAL_WORLD_SIZE", p.world_size);
  if (p.local_rank < 0 || p.local_rank >= p.local_world_size)
    throw InputError("local rank " + std::to_string(p.local_rank) + " is outside " +
                         std::to_string(p.local_world_size) + " local processes",
                     "environment LOCAL_RANK", kHint);
  p.master_addr = variable("MASTER_ADDR").value_or(p.master_addr);
  p.master_port = integer("MASTER_PORT", p.master_port);
  if (p.master_port < 1 || p.master_port > 65535)
    throw InputError("port " + std::to_string(p.master_port) + " is outside 1..65535",
                     "environment MASTER_PORT", kHint);
  return p;
}

}  // namespace rubrika
