# State area of rubrika_core: state.h5 through the HDF5 C++ API. HDF5 stays private to
# rubrika_core: no public header includes it.
find_package(HDF5 REQUIRED COMPONENTS CXX)
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/h5_path.cpp
  ${CMAKE_CURRENT_LIST_DIR}/state_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/state_writer.cpp)
target_include_directories(rubrika_core SYSTEM PRIVATE ${HDF5_INCLUDE_DIRS})
target_compile_definitions(rubrika_core PRIVATE ${HDF5_DEFINITIONS} ${HDF5_CXX_DEFINITIONS})
target_link_libraries(rubrika_core PRIVATE ${HDF5_CXX_LIBRARIES} ${HDF5_LIBRARIES})
