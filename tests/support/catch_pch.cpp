// Nothing of its own: the target course_catch_pch exists to precompile Catch2's header
// (testing/catch.hpp) once, for every test program of the course (cmake/course.cmake).
