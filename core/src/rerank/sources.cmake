target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cascade.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hard_negatives.cpp
  ${CMAKE_CURRENT_LIST_DIR}/losses.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ranking_metrics.cpp)
