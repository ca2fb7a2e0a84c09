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
    int const status = Catch::Session().run(argc, argv);
#if __has_include(<catch2/catch_session.hpp>)
    return status;  // Catch2 3: 4 means "every test was skipped", failures are 42 (3.3+)
#else
    // Catch2 2.x exits with the number of failed assertions, and CTest reads exit code 4
    // as "skipped" (SKIP_RETURN_CODE, for Catch2 3): a test that failed exactly four
    // checks would pass as skipped. Any failure is 1 instead.
    return status == 0 ? 0 : 1;
#endif
}
