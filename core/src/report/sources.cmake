target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/classifier_sections.cpp
  ${CMAKE_CURRENT_LIST_DIR}/evaluation_sections.cpp
  ${CMAKE_CURRENT_LIST_DIR}/html_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_sections.cpp
  ${CMAKE_CURRENT_LIST_DIR}/section_helpers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg.cpp)
