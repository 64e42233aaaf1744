target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/basic_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bert_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bert_tokenizer_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wordpiece_trainer.cpp)
