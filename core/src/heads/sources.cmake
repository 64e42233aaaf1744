# Heads area of rubrika_core: the options and base class the built-in head plugins share.
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/dense_head.cpp)
