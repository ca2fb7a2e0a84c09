// The one Catch2 main of the course, compiled once per configuration.
//
// Besides Catch2's own options it understands `--course-list`: one line per test
// case, "name<TAB>tag<TAB>tag...". CMake's test discovery (cmake/discover_tests.cmake)
// uses it to register each test case as its own CTest test, labelled from its tags.
// We print from the registry instead of parsing `--list-tests`, whose console format
// wraps long names and differs between Catch2 2.x and 3.x.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#include <catch2/catch_test_case_info.hpp>
#include <catch2/interfaces/catch_interfaces_registry_hub.hpp>
#include <catch2/interfaces/catch_interfaces_testcase.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <cstring>
#include <iostream>
#include <string>

namespace {

int list_for_cmake() {
    auto& registry = Catch::getRegistryHub().getTestCaseRegistry();
#if __has_include(<catch2/catch_session.hpp>)
    for (Catch::TestCaseInfo const* info : registry.getAllInfos()) {
        std::cout << info->name;
        for (auto const& tag : info->tags) std::cout << '\t' << tag.original;
        std::cout << '\n';
    }
#else
    for (Catch::TestCase const& test : registry.getAllTests()) {
        std::cout << test.name;
        for (std::string const& tag : test.tags) std::cout << '\t' << tag;
        std::cout << '\n';
    }
#endif
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    if (argc == 2 && std::strcmp(argv[1], "--course-list") == 0) return list_for_cmake();
    return Catch::Session().run(argc, argv);
}
