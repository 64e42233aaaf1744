// rubrika plugins list [--json]
#include "cli_common.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace rubrika::cli {

int run_plugins_list(const std::vector<std::string>& args) {
  boost::program_options::options_description options("plugins list");
  options.add_options()("json", "one JSON document instead of a table");
  auto values = parse_options(args, "rubrika plugins list [--json]", options);
  if (!values) return kOk;

  PluginRegistry& registry = registry_for(nullptr);
  const auto plugins = registry.list();
  if (values->count("json")) {
    nlohmann::json out = {{"plugins", nlohmann::json::array()},
                          {"folders", nlohmann::json::array()}};
    for (const auto& p : plugins)
      out["plugins"].push_back({{"kind", p.kind},
                                {"name", p.name},
                                {"version", p.version},
                                {"file", p.file.string()},
                                {"description", p.description}});
    for (const auto& f : registry.folders()) out["folders"].push_back(f.string());
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  std::cout << std::left << std::setw(12) << "KIND" << std::setw(18) << "NAME" << std::setw(10)
            << "VERSION"
            << "DESCRIPTION\n";
  for (const auto& p : plugins)
    std::cout << std::setw(12) << p.kind << std::setw(18) << p.name << std::setw(10) << p.version
              << p.description << "\n    " << p.file.string() << "\n";
  std::cout << plugins.size() << " plugin(s) from " << registry.folders().size() << " folder(s)";
  for (const auto& f : registry.folders()) std::cout << "\n  " << f.string();
  std::cout << "\n";
  return kOk;
}

}  // namespace rubrika::cli
