// Link models and the hosts file: lookups in either direction, the default link, the hosts file
// written and read back, and bad hosts files refused with a message naming the bad entry.
#include "segpipe/device/internal/network_model.h"

#include <gtest/gtest.h>

#include <string>

namespace segpipe {
namespace {

TEST(NetworkModelTest, LinksTimeFramesByLatencyAndBandwidth) {
  const LinkModel link{0.5, 8, "test"};  // 8 Mbit/s: one byte per microsecond
  EXPECT_EQ(link.WireNs(1000), 1'000'000);
  EXPECT_EQ(link.TransferNs(1000), 1'500'000);
  const LinkModel unlimited{0.5, 0, "test"};
  EXPECT_EQ(unlimited.WireNs(1'000'000), 0);
  EXPECT_EQ(unlimited.TransferNs(1'000'000), 500'000);
}

TEST(NetworkModelTest, LooksLinksUpInEitherDirection) {
  NetworkModel network;
  network.Set(std::string(kCoordinator), "10.0.0.2:7070", LinkModel{0.3, 500, "probe"});
  EXPECT_EQ(network.Between(kCoordinator, "10.0.0.2:7070").source, "probe");
  EXPECT_EQ(network.Between("10.0.0.2:7070", kCoordinator).bandwidth_mbit_s, 500);
  // Unknown pairs take the default link; one endpoint talks to itself for free.
  EXPECT_EQ(network.Between("10.0.0.2:7070", "10.0.0.3:7070").source, "default");
  const LinkModel self = network.Between("10.0.0.2:7070", "10.0.0.2:7070");
  EXPECT_EQ(self.TransferNs(1'000'000), 0);
}

TEST(NetworkModelTest, HostsFileRoundTrips) {
  auto network = ParseHostsFile(R"({
    "links": [{"from": "coordinator", "to": "10.0.0.2:7070", "latency_ms": 0.21,
               "bandwidth_mbit_s": 941.5},
              {"from": "10.0.0.2:7070", "to": "[::1]:7071", "latency_ms": 0.05,
               "bandwidth_mbit_s": 0, "source": "probe"}],
    "default": {"latency_ms": 1, "bandwidth_mbit_s": 100}})");
  ASSERT_TRUE(network.ok()) << network.status().ToString();
  const LinkModel in = network->Between(kCoordinator, "10.0.0.2:7070");
  EXPECT_DOUBLE_EQ(in.latency_ms, 0.21);
  EXPECT_DOUBLE_EQ(in.bandwidth_mbit_s, 941.5);
  EXPECT_EQ(in.source, "hosts file");
  EXPECT_EQ(network->Between("[::1]:7071", "10.0.0.2:7070").source, "probe");
  EXPECT_DOUBLE_EQ(network->default_link().bandwidth_mbit_s, 100);
  EXPECT_EQ(network->Between(kCoordinator, "10.0.0.9:7070").source, "hosts file");

  auto again = ParseHostsFile(HostsFileJson(*network));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->links().size(), 2u);
  EXPECT_DOUBLE_EQ(again->Between(kCoordinator, "10.0.0.2:7070").bandwidth_mbit_s, 941.5);
  EXPECT_DOUBLE_EQ(again->default_link().latency_ms, 1);
  // Without "default" the built-in one applies.
  auto bare = ParseHostsFile(R"({"links": []})");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->Between(kCoordinator, "10.0.0.2:7070").source, DefaultLink().source);
}

TEST(NetworkModelTest, BadHostsFilesNameTheBadEntry) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {
           Case{"not json", "not a JSON object"},
           Case{"[]", "not a JSON object"},
           Case{"{}", "'links'"},
           Case{R"({"links": {}})", "'links'"},
           Case{R"({"links": [3]})", "link 1: 'from'"},
           Case{R"({"links": [{"to": "10.0.0.2:7070", "latency_ms": 0.2,
                               "bandwidth_mbit_s": 940}]})",
                "link 1: 'from'"},
           Case{R"({"links": [{"from": "coordinator", "to": 7,
                               "latency_ms": 0.2, "bandwidth_mbit_s": 940}]})",
                "link 1: 'to'"},
           Case{R"({"links": [{"from": "coordinator", "to": "10.0.0.2:7070", "latency_ms": 0.2,
                               "bandwidth_mbit_s": 940},
                              {"from": "coordinator", "to": "10.0.0.3", "latency_ms": 0.2,
                               "bandwidth_mbit_s": 940}]})",
                "link 2: '10.0.0.3' is not HOST:PORT"},
           Case{R"({"links": [{"from": "10.0.0.2:99999", "to": "coordinator",
                               "latency_ms": 0.2, "bandwidth_mbit_s": 940}]})",
                "link 1: '10.0.0.2:99999': '99999' is not a port"},
           Case{R"({"links": [{"from": "coordinator", "to": "10.0.0.2:7070",
                               "bandwidth_mbit_s": 940}]})",
                "link 1: 'latency_ms' must be a number >= 0"},
           Case{R"({"links": [{"from": "coordinator", "to": "10.0.0.2:7070",
                               "latency_ms": 0.2, "bandwidth_mbit_s": -5}]})",
                "link 1: 'bandwidth_mbit_s' must be a number >= 0"},
           Case{R"({"links": [{"from": "coordinator", "to": "10.0.0.2:7070",
                               "latency_ms": "fast", "bandwidth_mbit_s": 940}]})",
                "link 1: 'latency_ms'"},
           Case{R"({"links": [], "default": {"latency_ms": 0.2}})",
                "'default': 'bandwidth_mbit_s'"},
           Case{R"({"links": [], "default": 5})", "'default': not an object"},
       }) {
    auto network = ParseHostsFile(c.text);
    ASSERT_FALSE(network.ok()) << c.text;
    EXPECT_EQ(network.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(network.status().message().find(c.says), std::string::npos)
        << c.text << "\n  said: " << network.status().message() << "\n  expected: " << c.says;
  }
}

TEST(NetworkModelTest, LoadingAMissingHostsFileNamesIt) {
  auto network = LoadHostsFile("/nonexistent/hosts.json");
  ASSERT_FALSE(network.ok());
  EXPECT_NE(network.status().message().find("/nonexistent/hosts.json"), std::string::npos)
      << network.status().message();
}

}  // namespace
}  // namespace segpipe
