"""An emulated Mac for the scripts that run cmdm against the test world.

make_device(device_dir, fake_profiles) makes device_dir the state directory of an emulated device
and links the emulator (cmdm-fake-profiles) in as device_dir/bin/profiles. Run by that path, the
emulator serves that device (testworld/fake_profiles.h); the path is the ProfilesPath to
configure, so cmdm runs it exactly as it runs /usr/bin/profiles and passes it nothing.
"""

import os


def make_device(device_dir, fake_profiles):
    """Creates the device directory and its bin/profiles link; returns the link's path."""
    bin_dir = os.path.join(device_dir, "bin")
    os.makedirs(bin_dir, exist_ok=True)
    link = os.path.join(bin_dir, "profiles")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.abspath(fake_profiles), link)
    return link
