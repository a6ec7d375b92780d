name 'cmdm'
maintainer 'cmdm maintainers'
license 'Apache-2.0'
description 'Configuration profiles through the MDM with cmdm: the cmdm_profile resource, and a ' \
            'recipe that is the MDM destination of IT-CPE cpe_profiles'
version '0.1.0'
chef_version '>= 16.0'
supports 'mac_os_x'
