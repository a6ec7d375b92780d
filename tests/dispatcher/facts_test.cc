#include <gtest/gtest.h>

#include "dispatcher/device.h"
#include "plist/file_io.h"
#include "tests/dispatcher/fake_runner.h"

namespace cmdm::dispatcher {
namespace {

const std::string kTestdata = std::string(CMDM_SOURCE_DIR) + "/testdata/dispatcher/";

TEST(SwVers, ReadsVersionAndBuildFromSonomaAndCatalinaOutput) {
  Result<SwVers> sonoma = parse_sw_vers(*read_file(kTestdata + "sw_vers.txt"), "sw_vers");
  ASSERT_TRUE(sonoma) << sonoma.error().format();
  EXPECT_EQ(sonoma->product_version, "14.4.1");
  EXPECT_EQ(sonoma->build_version, "23E224");
  Result<SwVers> catalina =
      parse_sw_vers(*read_file(kTestdata + "sw_vers_catalina.txt"), "sw_vers");
  ASSERT_TRUE(catalina);
  EXPECT_EQ(catalina->product_version, "10.15.7");
}

TEST(SwVers, RefusesOutputWithoutAVersion) {
  Result<SwVers> vers = parse_sw_vers("ProductName:\tmacOS\n", "`sw_vers`");
  ASSERT_FALSE(vers);
  EXPECT_EQ(vers.error().format(),
            "`sw_vers`: error: unexpected output: no ProductVersion or BuildVersion line\n");
}

TEST(IoregPlatform, ReadsSerialNumberAndUuidAndIgnoresDataValues) {
  Result<PlatformIds> ids =
      parse_ioreg_platform(*read_file(kTestdata + "ioreg_platform.txt"), "ioreg");
  ASSERT_TRUE(ids) << ids.error().format();
  EXPECT_EQ(ids->serial_number, "C02XL0GZJGH5");
  EXPECT_EQ(ids->uuid, "3C2A1C43-5A5B-5C8E-9A0F-1234567890AB");
}

TEST(IoregPlatform, RefusesOutputWithoutTheIds) {
  EXPECT_FALSE(parse_ioreg_platform("+-o Root\n  {\n    \"model\" = <\"Mac\">\n  }\n", "ioreg"));
}

TEST(SingleLine, DropsTheNewlineAndRefusesEmptyOrSeveralLines) {
  EXPECT_EQ(*parse_single_line("MacBookPro18,3\n", "sysctl"), "MacBookPro18,3");
  EXPECT_EQ(*parse_single_line("Alice's MacBook Pro\n", "scutil"), "Alice's MacBook Pro");
  EXPECT_FALSE(parse_single_line("\n", "scutil"));
  EXPECT_FALSE(parse_single_line("a\nb\n", "scutil"));
}

class MacosFactSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runner_.answer("/usr/bin/sw_vers", {.out = *read_file(kTestdata + "sw_vers.txt")});
    runner_.answer("/usr/sbin/ioreg -rd1 -c IOPlatformExpertDevice",
                   {.out = *read_file(kTestdata + "ioreg_platform.txt")});
    runner_.answer("/usr/sbin/sysctl -n hw.model", {.out = "MacBookPro18,3\n"});
    runner_.answer("/bin/hostname", {.out = "alices-mbp.example.com\n"});
    runner_.answer("/usr/sbin/scutil --get ComputerName", {.out = "Alice's MacBook Pro\n"});
    runner_.answer("/usr/bin/stat -f%Su /dev/console", {.out = "alice\n"});
    runner_.answer("/usr/bin/uname -m", {.out = "arm64\n"});
  }
  testing::FakeRunner runner_;
};

TEST_F(MacosFactSourceTest, GathersEveryFactFromTheTools) {
  Result<DeviceFacts> facts = make_macos_fact_source(runner_, {})->facts();
  ASSERT_TRUE(facts) << facts.error().format();
  EXPECT_EQ(facts->os_version, "14.4.1");
  EXPECT_EQ(facts->build, "23E224");
  EXPECT_EQ(facts->serial_number, "C02XL0GZJGH5");
  EXPECT_EQ(facts->udid, "3C2A1C43-5A5B-5C8E-9A0F-1234567890AB");
  EXPECT_EQ(facts->model, "MacBookPro18,3");
  EXPECT_EQ(facts->hostname, "alices-mbp.example.com");
  EXPECT_EQ(facts->computer_name, "Alice's MacBook Pro");
  EXPECT_EQ(facts->console_user, "alice");
  EXPECT_EQ(facts->arch, "arm64");
}

TEST_F(MacosFactSourceTest, ReportsNoConsoleUserAtTheLoginWindow) {
  runner_.answer("/usr/bin/stat -f%Su /dev/console", {.out = "root\n"});
  EXPECT_EQ(make_macos_fact_source(runner_, {})->facts()->console_user, "");
}

TEST_F(MacosFactSourceTest, ReportsTheHardwaresArchitectureUnderRosetta) {
  runner_.answer("/usr/bin/uname -m", {.out = "x86_64\n"});
  runner_.answer("/usr/sbin/sysctl -n hw.optional.arm64", {.out = "1\n"});
  EXPECT_EQ(make_macos_fact_source(runner_, {})->facts()->arch, "arm64");
  // An Intel Mac has no hw.optional.arm64: sysctl fails (the fake answers 127).
  runner_.answer("/usr/sbin/sysctl -n hw.optional.arm64", {.exit_status = 1});
  EXPECT_EQ(make_macos_fact_source(runner_, {})->facts()->arch, "x86_64");
}

TEST_F(MacosFactSourceTest, RunsTheToolsAtTheConfiguredPaths) {
  MacosTools tools;
  tools.sw_vers = "/opt/emulator/sw_vers";
  runner_.answer("/opt/emulator/sw_vers", {.out = "ProductVersion: 15.1\nBuildVersion: 24B83\n"});
  Result<DeviceFacts> facts = make_macos_fact_source(runner_, tools)->facts();
  ASSERT_TRUE(facts) << facts.error().format();
  EXPECT_EQ(facts->os_version, "15.1");
  EXPECT_EQ(runner_.calls[0], "/opt/emulator/sw_vers");
}

TEST_F(MacosFactSourceTest, NamesTheToolThatFailed) {
  runner_.answer("/usr/sbin/scutil --get ComputerName", {.exit_status = 1});
  Result<DeviceFacts> facts = make_macos_fact_source(runner_, {})->facts();
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code, ExitCode::kUnavailable);
  EXPECT_EQ(facts.error().diagnostics[0].message,
            "`/usr/sbin/scutil --get ComputerName` failed with status 1");
}

}  // namespace
}  // namespace cmdm::dispatcher
