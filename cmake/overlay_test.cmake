# CTest test of the course's own build (see tests/support/overlay-fixture): configure the
# fixture, build chapter 01's solution and exercise builds, and run their tests. The
# solution must pass everything; the exercise build must use the learner's source.
# Inputs: FIXTURE, WORK, CXX.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()
file(REMOVE_RECURSE "${WORK}")
run("${CMAKE_COMMAND}" -S "${FIXTURE}" -B "${WORK}" -G Ninja "-DCMAKE_CXX_COMPILER=${CXX}")
run("${CMAKE_COMMAND}" --build "${WORK}" --target ch01-solution ch01-exercise)
run("${CMAKE_CTEST_COMMAND}" --test-dir "${WORK}" -R "^ch01-solution: ")
if(NOT output MATCHES "100% tests passed, 0 tests failed out of 3")
  message(FATAL_ERROR "the solution build of the fixture did not pass its 3 tests:\n${output}")
endif()
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --test-dir "${WORK}" -R "^ch01-exercise: " OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT output MATCHES "67% tests passed, 1 tests failed out of 3" OR NOT output MATCHES "source wins")
  message(FATAL_ERROR "the exercise build should use the learner's source.cpp (and fail one test):\n${output}")
endif()
message(STATUS "overlay: headers and sources shadow as they should")
