# rubrika_add_test(<target> LABEL unit|integration|e2e|gpu SOURCES <files...>
#                  [LIBRARIES <libs...>] [TIMEOUT <seconds>] [TORCH_PCH])
# TORCH_PCH: reuse the precompiled <torch/torch.h> (for tests of modules and training).
#
# Builds one GoogleTest binary and registers each of its tests with ctest under LABEL.
# Tests are discovered when ctest runs (PRE_TEST), not at build time, so building does not
# start libtorch once per test binary.
include_guard(GLOBAL)
find_package(GTest REQUIRED)
include(GoogleTest)

function(rubrika_add_test target)
  cmake_parse_arguments(ARG "TORCH_PCH" "LABEL;TIMEOUT" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE rubrika_core rubrika_data rubrika_pipeline rubrika_report
                        rubrika_train GTest::gtest GTest::gtest_main
                        ${ARG_LIBRARIES})
  target_compile_definitions(${target} PRIVATE
    RUBRIKA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    RUBRIKA_BINARY_DIR="${PROJECT_BINARY_DIR}"
    RUBRIKA_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  if(ARG_TORCH_PCH)
    rubrika_use_torch_pch(${target})
  endif()
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    PROPERTIES LABELS "${ARG_LABEL}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
