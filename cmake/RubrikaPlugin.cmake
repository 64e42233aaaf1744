# rubrika_add_plugin(<target> SOURCES <files...> [OUTPUT_DIR <dir>] [LIBRARIES <libs...>]
#                    [NO_INSTALL] [TORCH_PCH])
# TORCH_PCH: reuse the precompiled <torch/torch.h> (plugins built on torch::nn).
#
# Builds one plugin: a MODULE library without the "lib" prefix, hidden visibility (only
# the rubrika_plugin_descriptor alias is exported), linked to rubrika::core, written to
# OUTPUT_DIR (default: the build's plugins/ folder) and installed into lib/rubrika/plugins.
# Works in this repository and, through find_package(rubrika), out of tree.
include_guard(GLOBAL)

function(rubrika_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL;TORCH_PCH" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "rubrika_add_plugin(${target}): SOURCES is required")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    if(DEFINED RUBRIKA_PLUGIN_OUTPUT_DIR)
      set(ARG_OUTPUT_DIR "${RUBRIKA_PLUGIN_OUTPUT_DIR}")
    else()
      set(ARG_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
    endif()
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  # Every plugin, shipped or test-only, obeys the layer rule (cmake/RubrikaLayerCheck.cmake).
  set_property(GLOBAL APPEND PROPERTY RUBRIKA_ALL_PLUGINS ${target})
  if(TARGET rubrika_core)
    target_link_libraries(${target} PRIVATE rubrika_core ${ARG_LIBRARIES})
  else()
    target_link_libraries(${target} PRIVATE rubrika::core ${ARG_LIBRARIES})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  if(ARG_TORCH_PCH AND COMMAND rubrika_use_torch_pch)
    rubrika_use_torch_pch(${target})
  endif()
  if(NOT ARG_NO_INSTALL)
    # Collected by the top-level `runtime` target (the CLI plus every shipped plugin).
    set_property(GLOBAL APPEND PROPERTY RUBRIKA_SHIPPED_PLUGINS ${target})
  endif()
  if(NOT ARG_NO_INSTALL AND DEFINED RUBRIKA_INSTALL_PLUGIN_DIR)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../..")
    install(TARGETS ${target} LIBRARY DESTINATION "${RUBRIKA_INSTALL_PLUGIN_DIR}")
  endif()
endfunction()
