# OOD area of rubrika_core: the threshold rule the OOD scorer plugins share.
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/threshold.cpp)
