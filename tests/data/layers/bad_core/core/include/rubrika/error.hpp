#include <rubrika/error.hpp>
