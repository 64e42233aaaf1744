#include <rubrika/error.hpp>

#include <exception>

namespace rubrika {
namespace {

std::string compose(const std::string& what, const std::string& where, const std::string& hint) {
  std::string message;
  if (!where.empty()) message += where + ": ";
  message += what;
  if (!hint.empty()) message += " (" + hint + ")";
  return message;
}

template <class E>
[[noreturn]] void rethrow_as(const E& e, const std::string& context) {
  throw E(context + ": " + e.problem(), e.where(), e.hint());
}

}  // namespace

Error::Error(std::string what, std::string where, std::string hint)
    : std::runtime_error(compose(what, where, hint)),
      problem_(std::move(what)),
      where_(std::move(where)),
      hint_(std::move(hint)) {}

void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const RecipeError& e) {
    rethrow_as(e, context);
  } catch (const PluginError& e) {
    rethrow_as(e, context);
  } catch (const ArtifactError& e) {
    rethrow_as(e, context);
  } catch (const InputError& e) {
    rethrow_as(e, context);
  } catch (const IoError& e) {
    rethrow_as(e, context);
  } catch (const Error& e) {
    rethrow_as(e, context);
  } catch (const std::exception& e) {
    throw Error(context + ": " + e.what());
  }
}

}  // namespace rubrika
