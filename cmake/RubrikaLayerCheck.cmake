# The layer rules, checked when the build is configured (a violation stops the build):
#   1. a plugin links no library of ours but rubrika_core (directly or through a helper
#      library of its own, such as rubrika_bert_model);
#   2. rubrika_core includes no header of a higher layer (dataset, pipeline, report, train,
#      serve): the registry and logger must not drag training or serving into plugins.
# Both checks are functions so that tests/integration/layer_check_test.cmake can run them
# on deliberately broken inputs.
include_guard(GLOBAL)

# Every library `target` links, directly or transitively, into the variable `out`.
function(_rubrika_linked_targets target out)
  set(seen "")
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue current)
    if(NOT TARGET ${current} OR current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    get_target_property(imported ${current} IMPORTED)
    set(links "")
    if(NOT imported)
      get_target_property(direct ${current} LINK_LIBRARIES)
      if(direct)
        list(APPEND links ${direct})
      endif()
    endif()
    get_target_property(interface ${current} INTERFACE_LINK_LIBRARIES)
    if(interface)
      list(APPEND links ${interface})
    endif()
    foreach(link IN LISTS links)
      # $<LINK_ONLY:x> and other generator expressions: keep the target name inside.
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
      list(APPEND queue ${link})
    endforeach()
  endwhile()
  list(REMOVE_ITEM seen ${target})
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# Fails when any of `plugins` links one of `layers` (targets above rubrika_core).
function(rubrika_check_plugin_links)
  cmake_parse_arguments(ARG "" "" "PLUGINS;LAYERS" ${ARGN})
  foreach(plugin IN LISTS ARG_PLUGINS)
    _rubrika_linked_targets(${plugin} linked)
    foreach(layer IN LISTS ARG_LAYERS)
      if(layer IN_LIST linked)
        message(FATAL_ERROR "layer rule: plugin '${plugin}' links '${layer}'; a plugin may "
                            "link only rubrika_core (move what it needs into core/)")
      endif()
    endforeach()
  endforeach()
endfunction()

# Fails when a file under `core_dir` includes a header that only `layer_dirs` (their
# include/ folders) provide.
function(rubrika_check_core_includes)
  cmake_parse_arguments(ARG "" "CORE_DIR" "LAYER_DIRS" ${ARGN})
  # What the higher layers provide under include/rubrika/: files and folders. A folder
  # core also has (none today) would not count.
  set(provided "")
  foreach(dir IN LISTS ARG_LAYER_DIRS)
    file(GLOB entries RELATIVE "${dir}/include/rubrika" "${dir}/include/rubrika/*")
    foreach(entry IN LISTS entries)
      if(NOT EXISTS "${ARG_CORE_DIR}/include/rubrika/${entry}")
        list(APPEND provided ${entry})
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES provided)
  # A check, not a source list: every file core has must be looked at.
  file(GLOB_RECURSE core_files "${ARG_CORE_DIR}/*.hpp" "${ARG_CORE_DIR}/*.cpp")
  foreach(file IN LISTS core_files)
    file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]rubrika/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE ".*[<\"]rubrika/([^/>\"]+).*" "\\1" first "${line}")
      if(first IN_LIST provided)
        file(RELATIVE_PATH shown "${ARG_CORE_DIR}/.." "${file}")
        string(STRIP "${line}" line)
        message(FATAL_ERROR "layer rule: ${shown} (rubrika_core) has '${line}', a header of "
                            "a higher layer; core must not depend on dataset, pipeline, "
                            "report, train or serve")
      endif()
    endforeach()
  endforeach()
endfunction()
