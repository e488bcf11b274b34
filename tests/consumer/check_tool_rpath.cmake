# The installed tool of a shared build runs from its prefix without LD_LIBRARY_PATH: its
# RPATH finds both libraries, and libcryptcol_migration's finds libcryptcol_core.
#   cmake -DTOOL=<installed cryptcol> -DRPATH=<the tool's INSTALL_RPATH> -P check_tool_rpath.cmake
if(NOT RPATH)
  message(STATUS "skipped: the tool has no install RPATH (system prefix)")
  return()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH "${TOOL}" --version
                RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "${TOOL} --version without LD_LIBRARY_PATH failed (${_result}): ${_err}")
endif()
message(STATUS "runs without LD_LIBRARY_PATH: ${_out}")
