# Wraps libtorch (CPU or CUDA build, whichever is installed) in one imported target,
# rubrika::torch, so no target reads TORCH_LIBRARIES / TORCH_CXX_FLAGS directly.
# Included by the build and by the installed rubrikaConfig.cmake.
include_guard(GLOBAL)
if(NOT TARGET rubrika::torch)
  find_package(Torch REQUIRED)
  add_library(rubrika::torch INTERFACE IMPORTED GLOBAL)
  set_target_properties(rubrika::torch PROPERTIES
    INTERFACE_LINK_LIBRARIES "${TORCH_LIBRARIES}"
    INTERFACE_INCLUDE_DIRECTORIES "${TORCH_INCLUDE_DIRS}")
endif()
