// The emulated device as the dispatcher sees a Mac: its listing printed as `profiles show -output
// stdout-xml` would, and read back through the dispatcher's real parser.
#pragma once

#include <memory>
#include <string>

#include "dispatcher/device.h"

namespace cmdm::testworld {

std::unique_ptr<dispatcher::ProfileLister> make_device_lister(std::string device_dir);

}  // namespace cmdm::testworld
