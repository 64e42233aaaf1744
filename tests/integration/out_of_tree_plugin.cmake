# Installs this build into a scratch prefix, builds docs/examples/plugin_example against
# it with find_package(rubrika), and checks the installed `rubrika` lists the new plugin.
# Run by ctest (test "out_of_tree_plugin") with SOURCE_DIR, BINARY_DIR, WORK_DIR, GENERATOR.
function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${name} failed (${code}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run_step("install" ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")
run_step("configure example" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/docs/examples/plugin_example"
  -B "${WORK_DIR}/build" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_PREFIX_PATH=${prefix}")
run_step("build example" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run_step("plugins list" ${CMAKE_COMMAND} -E env "RUBRIKA_PLUGIN_PATH=${WORK_DIR}/build/plugins"
  "${prefix}/bin/rubrika" plugins list --json)
string(FIND "${step_output}" "\"max_logit\"" found)
if(found EQUAL -1)
  message(FATAL_ERROR "installed rubrika does not list ood/max_logit:\n${step_output}")
endif()
message(STATUS "out-of-tree plugin ood/max_logit built and listed by the installed rubrika")
