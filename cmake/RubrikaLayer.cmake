# rubrika_add_layer(<name> SOURCES <files...> [PUBLIC <libs...>] [PRIVATE <libs...>])
#
# Builds one library above rubrika_core (data, pipeline, report, train, serve) as
# rubrika_<name>: a static library with the folder's include/ as its public headers.
# Only the apps and the tests link these; plugins link rubrika_core alone (checked by
# cmake/RubrikaLayerCheck.cmake at the end of configure).
include_guard(GLOBAL)

function(rubrika_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target rubrika_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${target} PUBLIC rubrika_core ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  set_property(GLOBAL APPEND PROPERTY RUBRIKA_LAYERS ${target})
endfunction()
