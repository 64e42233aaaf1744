# ctest layer_check: the configure-time layer rules (cmake/RubrikaLayerCheck.cmake) refuse
# a plugin that links a higher layer and a core file that includes one, and accept the
# real tree. Run as: cmake -DSOURCE_DIR=... -DWORK_DIR=... -P layer_check_test.cmake
cmake_minimum_required(VERSION 3.22)
set(fixtures "${SOURCE_DIR}/tests/data/layers")

function(expect_failure what needle)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "${what}: the layer check accepted it")
  endif()
  # CMake wraps long messages: compare with whitespace runs folded to one space.
  string(REGEX REPLACE "[ \t\r\n]+" " " said "${out}${err}")
  string(FIND "${said}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: failed without naming '${needle}':\n${out}${err}")
  endif()
endfunction()

# 1. A plugin linking rubrika_train through a helper library.
file(REMOVE_RECURSE "${WORK_DIR}")
expect_failure("plugin linking rubrika_train" "plugin 'bad_plugin' links 'rubrika_train'"
  ${CMAKE_COMMAND} -S "${fixtures}/plugin_links" -B "${WORK_DIR}/bad"
  -DRUBRIKA_SOURCE_DIR=${SOURCE_DIR} -DEXTRA_PLUGINS=bad_plugin)
# ... and the same fixture without it passes the check (it stops later, at generation,
# because imported targets need no build: only the check's verdict matters).
execute_process(COMMAND ${CMAKE_COMMAND} -S "${fixtures}/plugin_links" -B "${WORK_DIR}/good"
  -DRUBRIKA_SOURCE_DIR=${SOURCE_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${out}${err}" "layer rule" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "good plugin refused:\n${out}${err}")
endif()

# 2. A core source including a training header.
file(WRITE "${WORK_DIR}/core_check.cmake"
  "cmake_minimum_required(VERSION 3.22)\ninclude(${SOURCE_DIR}/cmake/RubrikaLayerCheck.cmake)\n"
  "rubrika_check_core_includes(CORE_DIR ${fixtures}/bad_core/core LAYER_DIRS ${fixtures}/bad_core/train)\n")
expect_failure("core including a train header" "core/src/registry.cpp (rubrika_core) has '#include <rubrika/train/trainer.hpp>'"
  ${CMAKE_COMMAND} -P "${WORK_DIR}/core_check.cmake")

# 3. The real tree passes.
file(WRITE "${WORK_DIR}/tree_check.cmake"
  "cmake_minimum_required(VERSION 3.22)\ninclude(${SOURCE_DIR}/cmake/RubrikaLayerCheck.cmake)\n"
  "rubrika_check_core_includes(CORE_DIR ${SOURCE_DIR}/core LAYER_DIRS "
  "${SOURCE_DIR}/dataset ${SOURCE_DIR}/pipeline ${SOURCE_DIR}/report ${SOURCE_DIR}/train ${SOURCE_DIR}/serve)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -P "${WORK_DIR}/tree_check.cmake" RESULT_VARIABLE rc
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the real tree breaks the core include rule:\n${err}")
endif()
