target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/html_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg.cpp)
