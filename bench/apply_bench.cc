// `cmdm apply` of 500 small parts through a fake NanoMDM into an emulated device, all in this
// process: a whole apply from an empty device (each change sent, then confirmed by listing the
// device through the real `profiles` parser), reported as requests per second; and the planning
// of a no-op apply (500 installed parts, nothing to send) without the listing call.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/apply.h"
#include "dispatcher/plan.h"
#include "pipeline/build.h"
#include "testworld/device_lister.h"
#include "testworld/device_state.h"
#include "testworld/fake_mdm.h"

namespace {

using namespace cmdm;
using namespace cmdm::dispatcher;

constexpr int kParts = 500;
constexpr char kDevice[] = "BENCH-DEVICE-0001";

std::string profile_text(int i) {
  char uuid[2][40];
  std::snprintf(uuid[0], sizeof uuid[0], "10000000-0000-4000-8000-%012d", i);
  std::snprintf(uuid[1], sizeof uuid[1], "00000000-0000-4000-8000-%012d", i);
  std::string id = "com.example.bench." + std::to_string(i);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n"
         "<key>PayloadContent</key><array><dict>"
         "<key>HomePage</key><string>https://intranet.example.com/" +
         std::to_string(i) + "</string><key>PayloadIdentifier</key><string>" + id +
         ".safari</string><key>PayloadType</key><string>com.apple.Safari</string>"
         "<key>PayloadUUID</key><string>" +
         uuid[1] +
         "</string><key>PayloadVersion</key><integer>1</integer></dict></array>\n"
         "<key>PayloadIdentifier</key><string>" +
         id +
         "</string><key>PayloadType</key><string>Configuration</string>"
         "<key>PayloadUUID</key><string>" +
         uuid[0] + "</string><key>PayloadVersion</key><integer>1</integer>\n</dict></plist>\n";
}

// 500 generated sources built for NanoMDM, a device directory, a fake NanoMDM delivering into
// it, and a ledger: everything one apply needs. Removed when destroyed.
class World {
 public:
  World() {
    char pattern[] = "/tmp/cmdm-apply-bench-XXXXXX";
    root_ = ::mkdtemp(pattern);
    std::filesystem::create_directories(root_ + "/src");
    std::vector<std::string> sources;
    for (int i = 0; i < kParts; ++i) {
      sources.push_back(root_ + "/src/p" + std::to_string(i) + ".mobileconfig");
      std::ofstream(sources.back()) << profile_text(i);
    }
    pipeline::BuildOptions options;
    options.targets = {*emitters::find_target("nanomdm")};
    Result<pipeline::BuildRun> run = pipeline::run_build(sources, out(), false, options);
    if (!run) {
      error_ = run.error().format();
      return;
    }
    manifest_ = run->output.manifest;
    (void)testworld::DeviceState::open(device_dir());
    Result<std::unique_ptr<testworld::FakeMdm>> started = testworld::FakeMdm::start(
        {.vendor = testworld::Vendor::kNanoMdm, .devices = {{kDevice, device_dir()}}});
    if (!started) {
      error_ = started.error().format();
      return;
    }
    server_ = std::move(*started);
  }
  ~World() {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  Result<ApplySummary> apply() {
    Result<std::unique_ptr<Ledger>> ledger = Ledger::open(ledger_path());
    if (!ledger) return ledger.error();
    std::unique_ptr<ProfileLister> lister = testworld::make_device_lister(device_dir());
    std::unique_ptr<Transport> transport = make_curl_transport({});
    std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
    DispatcherConfig config;
    config.target = "nanomdm";
    config.server_url = server_->base_url();
    config.nanomdm_api_key =
        Secret(testworld::default_credentials(testworld::Vendor::kNanoMdm).password);
    ApplyOptions options{.input = out(),
                         .config = config,
                         .device_id = kDevice,
                         .poll_interval = std::chrono::milliseconds(1),
                         .confirm_timeout = std::chrono::milliseconds(5000)};
    options.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
    return dispatcher::apply(options, **ledger, *lister, *transport, *uuids);
  }

  const std::string& error() const { return error_; }
  const emitters::Manifest& manifest() const { return manifest_; }
  std::string out() const { return root_ + "/out"; }
  std::string device_dir() const { return root_ + "/device"; }
  std::string ledger_path() const { return root_ + "/ledger/ledger.sqlite"; }

 private:
  std::string root_, error_;
  emitters::Manifest manifest_;
  std::unique_ptr<testworld::FakeMdm> server_;
};

// A whole apply of 500 parts to an empty device: 500 install commands, each confirmed.
void BM_ApplyFull500(benchmark::State& state) {
  double requests = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto world = std::make_unique<World>();
    if (!world->error().empty()) {
      state.SkipWithError(world->error().c_str());
      break;
    }
    state.ResumeTiming();
    Result<ApplySummary> summary = world->apply();
    state.PauseTiming();
    if (!summary || summary->installed != kParts) {
      state.SkipWithError(summary ? "not every part was installed"
                                  : summary.error().format().c_str());
      break;
    }
    requests += static_cast<double>(summary->requests);
    world.reset();
    state.ResumeTiming();
  }
  state.counters["requests_per_s"] = benchmark::Counter(requests, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ApplyFull500)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The no-op apply's planning: 500 parts the device lists and the ledger records, nothing to send.
void BM_PlanNoop500(benchmark::State& state) {
  World world;
  if (!world.error().empty()) {
    state.SkipWithError(world.error().c_str());
    return;
  }
  Result<ApplySummary> first = world.apply();
  if (!first || first->installed != kParts) {
    state.SkipWithError("the apply that installs the parts failed");
    return;
  }
  Result<std::vector<InstalledProfile>> listing =
      testworld::make_device_lister(world.device_dir())->list();
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(world.ledger_path());
  if (!listing || !ledger) {
    state.SkipWithError("cannot list the device or open the ledger");
    return;
  }
  Result<std::vector<InstalledPart>> installed = (*ledger)->installed();
  if (!installed) {
    state.SkipWithError("cannot read the ledger");
    return;
  }
  for (auto _ : state) {
    Plan p = plan(world.manifest(), "nanomdm", *listing, *installed);
    if (p.count(PlanKind::kUnchanged) != kParts) {
      state.SkipWithError("the plan is not a no-op");
      break;
    }
    benchmark::DoNotOptimize(p);
  }
  state.counters["parts"] = kParts;
}
BENCHMARK(BM_PlanNoop500)->Unit(benchmark::kMicrosecond);

}  // namespace
