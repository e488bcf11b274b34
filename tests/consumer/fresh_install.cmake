# Installs the build tree into an empty prefix, so consumers see exactly what
# `cmake --install` ships and nothing left over from an earlier run.
#   cmake -DBUILD_DIR=<dir> -DPREFIX=<dir> [-DCONFIG=<cfg>] -P fresh_install.cmake
foreach(_var IN ITEMS BUILD_DIR PREFIX)
  if(NOT ${_var})
    message(FATAL_ERROR "${_var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${PREFIX}")
set(_config_args "")
if(CONFIG)
  set(_config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${_config_args}
  RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${_result})")
endif()
