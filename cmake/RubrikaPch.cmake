# A precompiled <torch/torch.h> for the files that use the full libtorch API (modules,
# optimisers): ~11 s per such file instead of ~24 s on 2 cores. It is built once per code
# model (PIC for libraries and plugins, plain for executables) and reused by every target
# that opts in with rubrika_use_torch_pch(target). Targets whose files need only tensors
# should not opt in: loading the 570 MB header costs more than the light includes of
# rubrika/tensor.hpp. Set RUBRIKA_USE_PCH=OFF to disable.
include_guard(GLOBAL)
option(RUBRIKA_USE_PCH "Precompile <torch/torch.h>" ON)

function(_rubrika_pch_host name pic)
  if(NOT TARGET ${name})
    file(WRITE "${CMAKE_BINARY_DIR}/${name}.cpp" "// precompiled-header host\n")
    add_library(${name} OBJECT EXCLUDE_FROM_ALL "${CMAKE_BINARY_DIR}/${name}.cpp")
    target_link_libraries(${name} PRIVATE rubrika::torch)
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ${pic})
    target_precompile_headers(${name} PRIVATE <torch/torch.h>)
  endif()
endfunction()

function(rubrika_use_torch_pch target)
  if(NOT RUBRIKA_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    _rubrika_pch_host(rubrika_torch_pch_exe OFF)
    target_precompile_headers(${target} REUSE_FROM rubrika_torch_pch_exe)
  else()
    _rubrika_pch_host(rubrika_torch_pch_pic ON)
    target_precompile_headers(${target} REUSE_FROM rubrika_torch_pch_pic)
  endif()
endfunction()
