# Metrics area of rubrika_core: calibration, OOD, classification and ranking metrics on plain vectors.
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/calibration_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/classification_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metric_checks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/multilabel_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ood_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ranking_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensor_rows.cpp)
