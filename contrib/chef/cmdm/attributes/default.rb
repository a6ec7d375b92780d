# Where cmdm is and what this cookbook manages (docs/integrations.md "Chef").
default['cmdm']['binary'] = '/usr/local/bin/cmdm'
# The identifier prefix this cookbook owns: `cmdm apply --prefix` installs and removes only below
# it, so profiles from anything else on the Mac are never touched.
default['cmdm']['prefix'] = 'com.example.chef'
# Where the desired profiles are written as sources (root-only).
default['cmdm']['sources_dir'] = '/Library/Management/cmdm/chef'
# Extra arguments for every `cmdm apply` (e.g. ['--config', '/path/config.plist']).
default['cmdm']['apply_args'] = []
