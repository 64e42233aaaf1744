target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/epoch_batches.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mixed_precision.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer_options.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/classifier_task.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/reranker_task.cpp)
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/run/baseline_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/run_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/run_training.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_baseline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_calibrate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_classifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_common.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_data.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_ood.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_reranker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run/stage_vocab.cpp)
target_compile_definitions(rubrika_core PRIVATE RUBRIKA_VERSION_STRING="${PROJECT_VERSION}")
