#include "testworld/device_lister.h"

#include <utility>
#include <vector>

#include "testworld/device_state.h"
#include "testworld/profiles_output.h"

namespace cmdm::testworld {

namespace {

class DeviceLister final : public dispatcher::ProfileLister {
 public:
  explicit DeviceLister(std::string dir) : dir_(std::move(dir)) {}
  Result<std::vector<dispatcher::InstalledProfile>> list() override {
    Result<DeviceState> device = DeviceState::open(dir_);
    if (!device) return device.error();
    Result<std::vector<InstalledProfile>> profiles = device->list();
    if (!profiles) return profiles.error();
    return dispatcher::parse_profiles_listing(show_xml(*profiles), "profiles");
  }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<dispatcher::ProfileLister> make_device_lister(std::string device_dir) {
  return std::make_unique<DeviceLister>(std::move(device_dir));
}

}  // namespace cmdm::testworld
