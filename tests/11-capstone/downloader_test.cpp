// The downloader lesson program against a server nobody here wrote: Python's
// `python3 -m http.server`, serving files this test makes. Skipped, with the reason,
// where Python is not installed.
#include <testing/catch.hpp>

#include <testing/background.hpp>
#include <testing/process.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(std::string const& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A scratch folder with files of known content, removed at the end.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        char name[] = "/tmp/course-ch11-XXXXXX";
        if (mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = name;
    }
    ~ScratchDir() { [[maybe_unused]] int rc = std::system(("rm -rf '" + path + "'").c_str()); }
};

// The file i: its size grows from a few bytes to 300 KB, so that some bodies arrive in
// many reads and some in one.
std::string content(int i) {
    std::string text;
    std::size_t const size = i == 0 ? 5 : static_cast<std::size_t>(i) * 37'501;
    for (std::size_t k = 0; text.size() < size; ++k) text += std::to_string(i * 1000 + static_cast<int>(k)) + ",";
    text.resize(size);
    return text;
}

bool python_http_server_available(std::string& python) {
    python = testing::find_on_path("python3");
    if (python.empty()) return false;
    return testing::run_program(python, {"-c", "import http.server"}).exit_code == 0;
}

}  // namespace

TEST_CASE("the downloader fetches every file from python's http.server with at most K in flight",
          "[ch11]") {
    std::string python;
    if (!python_http_server_available(python)) {
        COURSE_SKIP("python3 with http.server is not installed: the downloader has no independent server to fetch from");
    }
    ScratchDir served;
    ScratchDir saved;
    int const files = 9;
    for (int i = 0; i < files; ++i) std::ofstream(served.path + "/file" + std::to_string(i) + ".txt") << content(i);

    testing::BackgroundProcess server(python, {"-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                                               served.path});
    std::optional<std::string> const line = server.wait_for_line("Serving HTTP on");
    REQUIRE(line.has_value());
    std::size_t const at = line->find(" port ");
    REQUIRE(at != std::string::npos);
    std::string const port = std::to_string(std::stoi(line->substr(at + 6)));

    std::vector<std::string> args = {"--max-in-flight", "3", "--save", saved.path};
    for (int i = 0; i < files; ++i) args.push_back("http://127.0.0.1:" + port + "/file" + std::to_string(i) + ".txt");
    args.push_back("http://127.0.0.1:" + port + "/missing.txt");
    testing::ProcessResult const result = testing::run_example("ch11_downloader", args);
    INFO(result.out << result.err << "\nserver:\n" << server.output());
    REQUIRE(result.exit_code == 0);

    // One line per URL in the order given, whatever order they finished in.
    std::istringstream lines(result.out);
    std::string row;
    for (int i = 0; i < files; ++i) {
        REQUIRE(std::getline(lines, row));
        CHECK(row.rfind("200 ", 0) == 0);
        CHECK(row.find(" " + std::to_string(content(i).size()) + " bytes") != std::string::npos);
        CHECK(row.find("/file" + std::to_string(i) + ".txt") != std::string::npos);
        CHECK(read_file(saved.path + "/file" + std::to_string(i) + ".txt") == content(i));
    }
    REQUIRE(std::getline(lines, row));
    CHECK(row.rfind("404 ", 0) == 0);
    REQUIRE(std::getline(lines, row));
    CHECK(row.find("10 URLs") == 0);
    std::size_t const most = row.find("at most ");
    REQUIRE(most != std::string::npos);
    int const in_flight = std::stoi(row.substr(most + 8));
    // The first three take a slot without waiting and connect; a connect on loopback
    // always waits for the socket to become writable, so all three are in flight before
    // any finishes: exactly the limit, by construction, however loaded the machine is.
    CHECK(in_flight == 3);
    CHECK(row.find("(limit 3)") != std::string::npos);
}

TEST_CASE("the downloader says which URL it cannot fetch", "[ch11]") {
    testing::ProcessResult const result = testing::run_example("ch11_downloader", {"http://example.com/"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("not a loopback http:// URL") != std::string::npos);
}
