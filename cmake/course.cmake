# The functions behind the course's build: the chapter overlay and per-test discovery.
set(COURSE_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(COURSE_SUPPORT_DIR "${CMAKE_CURRENT_LIST_DIR}/../tests/support")

# course_effective_files(<out> <glob> <dir>...): the files matching <glob> (relative to each
# dir) across the overlay <dir>s, given newest first; for each relative path the newest
# folder that has it wins. This is how `.cpp` files are chosen per path; headers are chosen
# by the include path, which lists the same folders in the same order.
function(course_effective_files out glob)
  set(dirs ${ARGN})
  list(REVERSE dirs)  # oldest first, so newer folders overwrite
  set(rels)
  foreach(dir IN LISTS dirs)
    file(GLOB found CONFIGURE_DEPENDS RELATIVE "${dir}" "${dir}/${glob}")
    foreach(rel IN LISTS found)
      set("winner_${rel}" "${dir}/${rel}")
      list(APPEND rels "${rel}")
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES rels)
  list(SORT rels)
  set(result)
  foreach(rel IN LISTS rels)
    list(APPEND result "${winner_${rel}}")
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Registers the tests of <exe> with CTest after each build of it: every Catch2 test case
# becomes its own CTest test named "<prefix>: <test name>", labelled with its tags.
function(course_discover_tests exe prefix bin_dir)
  string(REPLACE ";" "|" env "${COURSE_TEST_ENVIRONMENT}")
  add_custom_command(TARGET ${exe} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -D "EXE=$<TARGET_FILE:${exe}>" -D "PREFIX=${prefix}"
            -D "OUT_DIR=${bin_dir}" -D "TIMEOUT=${COURSE_TEST_TIMEOUT}" -D "ENV=${env}"
            -P "${COURSE_CMAKE_DIR}/discover_tests.cmake"
    VERBATIM)
  set(include_file "${CMAKE_BINARY_DIR}/course_tests/${prefix}.cmake")
  file(WRITE "${include_file}" "if(EXISTS \"${bin_dir}/ctest.cmake\")\n  include(\"${bin_dir}/ctest.cmake\")\nendif()\n")
  set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()

# course_example_links(<out> <source>): the libraries a lesson program asks for with a line
# `// course-link: NAME...` in its first lines (chapter 11's `sqlite3`), as targets to
# link; <out> is NOTFOUND when one of them is not on this machine: the program is then
# not built, and its test skips (it finds no program). Only libraries named here are
# known, so that a typo fails the configure instead of the link.
function(course_example_links out source)
  file(STRINGS "${source}" lines LIMIT_INPUT 4096 REGEX "^// course-link:")
  set(libs)
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^// course-link:[ ]*" "" names "${line}")
    separate_arguments(names)
    foreach(name IN LISTS names)
      if(name STREQUAL "sqlite3")
        find_package(SQLite3 QUIET)
        if(NOT SQLite3_FOUND)
          get_property(said GLOBAL PROPERTY COURSE_SAID_NO_SQLITE)
          if(NOT said)
            message(STATUS "SQLite3 not found (apt-get install libsqlite3-dev): the programs that need it are not built")
            set_property(GLOBAL PROPERTY COURSE_SAID_NO_SQLITE TRUE)
          endif()
          set(${out} NOTFOUND PARENT_SCOPE)
          return()
        endif()
        list(APPEND libs SQLite::SQLite3)
      else()
        message(FATAL_ERROR "${source}: `// course-link: ${name}` is not a library the course knows (cmake/course.cmake)")
      endif()
    endforeach()
  endforeach()
  set(${out} ${libs} PARENT_SCOPE)
endfunction()

# Lesson programs of <chapter> for one variant: chapters/NN-*/examples/NAME.cpp becomes
# the executable <variant>.chNN_NAME, written to <bin_dir>/chNN_NAME. Every variant's
# file has the same name, so a test finds the program of its own build by that name
# (testing::run_example("chNN_NAME")); the targets differ by the variant in front.
function(course_examples out chapter lib bin_dir variant)
  string(SUBSTRING "${chapter}" 0 2 nn)
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/chapters/${chapter}/examples/*.cpp")
  set(targets)
  foreach(source IN LISTS sources)
    get_filename_component(stem "${source}" NAME_WE)
    course_example_links(links "${source}")
    if(links STREQUAL "NOTFOUND")
      continue()
    endif()
    set(target "${variant}.ch${nn}_${stem}")
    add_executable(${target} EXCLUDE_FROM_ALL "${source}")
    target_link_libraries(${target} PRIVATE ${lib} ${links})
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "ch${nn}_${stem}" RUNTIME_OUTPUT_DIRECTORY "${bin_dir}")
    list(APPEND targets ${target})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# The learner's short names: chNN_NAME builds <variant>.chNN_NAME of the learner's build
# (so `cmake --build build/default --target ch01_ping_pong` builds their code).
# It has to be a target of its own: Ninja also knows every executable by its file name,
# and for a name several executables share, CMake's Ninja generator picks whichever
# variant was defined first, which is the solution's. A real target of that name
# removes the ambiguity (the course tool's test "course: ./course run ..." checks it).
function(course_learner_names variant examples)
  foreach(target IN LISTS examples)
    string(REPLACE "${variant}." "" short "${target}")
    add_custom_target(${short} DEPENDS ${target})
  endforeach()
endfunction()

# One test program from the tests of <chapters>, linked against <lib>, put beside the
# lesson programs in <bin_dir> (tests find them there, see tests/support/testing/process.hpp).
function(course_test_program out target lib bin_dir prefix)
  cmake_parse_arguments(arg "" "" "CHAPTERS;TEST_DIRS" ${ARGN})
  set(sources)
  foreach(chapter IN LISTS arg_CHAPTERS)
    file(GLOB found CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/${chapter}/*.cpp")
    list(APPEND sources ${found})
  endforeach()
  if(NOT sources)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  add_executable(${target} EXCLUDE_FROM_ALL ${sources} $<TARGET_OBJECTS:course_catch_main>)
  target_include_directories(${target} PRIVATE ${arg_TEST_DIRS} "${COURSE_SUPPORT_DIR}")
  target_link_libraries(${target} PRIVATE ${lib} ${COURSE_CATCH2})
  # Catch2's header, precompiled once for every test program (see course_catch_pch).
  target_precompile_headers(${target} REUSE_FROM course_catch_pch)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME tests RUNTIME_OUTPUT_DIRECTORY "${bin_dir}")
  course_discover_tests(${target} ${prefix} "${bin_dir}")
  set(${out} ${target} PARENT_SCOPE)
endfunction()

# course_variant(NAME chNN-solution CHAPTER NN-topic CHAPTERS <00..NN> OVERLAY <dirs> TEST_DIRS <dirs> [LEARNER])
# Defines the targets <NAME> (library, chapter NN's tests and lesson programs
# <NAME>.chNN_PROGRAM) and <NAME>-all (the tests and lesson programs of chapters 00..NN
# on the same library). LEARNER marks the learner's build: its lesson programs of
# chapter NN also get the short names chNN_PROGRAM.
function(course_variant)
  cmake_parse_arguments(arg "LEARNER" "NAME;CHAPTER" "CHAPTERS;OVERLAY;TEST_DIRS" ${ARGN})
  set(name ${arg_NAME})

  # The library: the effective .cpp files of the overlay, or header-only.
  course_effective_files(sources "asyncio/*.cpp" ${arg_OVERLAY})
  set(lib ${name}.asyncio)
  if(sources)
    add_library(${lib} STATIC EXCLUDE_FROM_ALL ${sources})
    target_include_directories(${lib} PUBLIC ${arg_OVERLAY})
    target_link_libraries(${lib} PUBLIC fmt::fmt Threads::Threads)
  else()
    add_library(${lib} INTERFACE)
    target_include_directories(${lib} INTERFACE ${arg_OVERLAY})
    target_link_libraries(${lib} INTERFACE fmt::fmt Threads::Threads)
  endif()

  # The chapter's own tests and lesson programs.
  set(bin "${COURSE_BIN}/${name}")
  course_examples(examples ${arg_CHAPTER} ${lib} "${bin}" ${name})
  if(arg_LEARNER)
    course_learner_names(${name} "${examples}")
  endif()
  course_test_program(tests ${name}.tests ${lib} "${bin}" ${name}
                      CHAPTERS ${arg_CHAPTER} TEST_DIRS ${arg_TEST_DIRS})
  add_custom_target(${name} DEPENDS ${lib} ${examples} ${tests})

  # Cumulative: chapters 00..NN's tests and lesson programs on this chapter's library.
  set(bin_all "${COURSE_BIN}/${name}-all")
  set(all_examples)
  foreach(chapter IN LISTS arg_CHAPTERS)
    course_examples(found ${chapter} ${lib} "${bin_all}" ${name}-all)
    list(APPEND all_examples ${found})
  endforeach()
  course_test_program(all_tests ${name}-all.tests ${lib} "${bin_all}" ${name}-all
                      CHAPTERS ${arg_CHAPTERS} TEST_DIRS ${arg_TEST_DIRS})
  add_custom_target(${name}-all DEPENDS ${lib} ${all_examples} ${all_tests})
endfunction()

# Every chapter under solutions/ (found by its folder name NN-topic), both variants.
# Sets COURSE_SOLUTION_TARGETS: what `./course test` builds.
macro(course_add_chapters)
  add_library(course_catch_main OBJECT "${COURSE_SUPPORT_DIR}/catch_main.cpp")
  target_link_libraries(course_catch_main PUBLIC ${COURSE_CATCH2})
  # Catch2's header costs 1.3 s of the 1.8 s a chapter-04 test file takes to compile
  # (g++ 12, -O2 -g), and a step that is a header recompiles every test file of its
  # chapter: precompiled once, the learner's edit->check loop stays under 10 s on a busy
  # 2-core machine (CONTRIBUTING.md, "The learner's edit->check loop, timed"). Every test
  # program reuses this one (same flags and definitions: fmt and threads like theirs).
  add_library(course_catch_pch OBJECT "${COURSE_SUPPORT_DIR}/catch_pch.cpp")
  target_link_libraries(course_catch_pch PUBLIC ${COURSE_CATCH2} fmt::fmt Threads::Threads)
  target_include_directories(course_catch_pch PRIVATE "${COURSE_SUPPORT_DIR}")
  target_precompile_headers(course_catch_pch PRIVATE "${COURSE_SUPPORT_DIR}/testing/catch.hpp")

  file(GLOB course_chapters CONFIGURE_DEPENDS RELATIVE "${CMAKE_SOURCE_DIR}/solutions" "${CMAKE_SOURCE_DIR}/solutions/[0-9][0-9]-*")
  list(SORT course_chapters)

  set(course_solution_targets)
  set(previous_chapters)
  foreach(chapter IN LISTS course_chapters)
    string(SUBSTRING "${chapter}" 0 2 nn)
    list(APPEND previous_chapters "${chapter}")

    # Overlay folders, newest first.
    set(solution_dirs)
    set(exercise_dirs)
    set(test_dirs)
    foreach(earlier IN LISTS previous_chapters)
      list(PREPEND solution_dirs "${CMAKE_SOURCE_DIR}/solutions/${earlier}")
      list(PREPEND test_dirs "${CMAKE_SOURCE_DIR}/tests/${earlier}")
      string(SUBSTRING "${earlier}" 0 2 earlier_nn)
      # (A student copy, COURSE_REFERENCE_THROUGH set: no reference answers after it.)
      set(earlier_is_learners OFF)
      if(NOT "${COURSE_REFERENCE_THROUGH}" STREQUAL "" AND earlier_nn GREATER COURSE_REFERENCE_THROUGH)
        set(earlier_is_learners ON)
      endif()
      if(earlier STREQUAL chapter OR COURSE_MINE OR earlier_is_learners)
        list(PREPEND exercise_dirs "${COURSE_STARTERS_DIR}/${earlier}" "${CMAKE_SOURCE_DIR}/solutions/${earlier}")
      else()
        list(PREPEND exercise_dirs "${CMAKE_SOURCE_DIR}/solutions/${earlier}")
      endif()
    endforeach()
    # The learner's starter folder comes before the same chapter's solution folder, so the
    # learner's file shadows the reference file of the same path.

    course_variant(NAME ch${nn}-solution CHAPTER ${chapter} CHAPTERS ${previous_chapters}
                   OVERLAY ${solution_dirs} TEST_DIRS ${test_dirs})
    course_variant(NAME ch${nn}-exercise CHAPTER ${chapter} CHAPTERS ${previous_chapters}
                   OVERLAY ${exercise_dirs} TEST_DIRS ${test_dirs} LEARNER)
    list(APPEND course_solution_targets ch${nn}-solution)
  endforeach()

  # `./course test`: every chapter's tests on its own solution build, and the whole suite
  # on the last chapter's solution build.
  list(GET course_chapters -1 last_chapter)
  string(SUBSTRING "${last_chapter}" 0 2 last_nn)
  list(APPEND course_solution_targets ch${last_nn}-solution-all)
  set(COURSE_SOLUTION_TARGETS ${course_solution_targets})
endmacro()
