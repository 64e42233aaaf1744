target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/epoch_batches.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer_options.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/classifier_task.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/reranker_task.cpp)
