# Puppet: configuration profiles through the MDM with cmdm (docs/integrations.md "Puppet").
#
# The profiles this module owns are files in one directory; the exec makes the Mac match that
# directory and runs only when `cmdm apply --check` says changes are pending (exit 1). Profiles are
# compiled on the device, so a source may use {{ facts.os_version }} and the like. Identifiers
# must be under the prefix: cmdm refuses others, and removes only stale profiles under it.
class cmdm_profiles (
  String $cmdm        = '/usr/local/bin/cmdm',
  String $prefix      = 'com.example.puppet',
  String $sources_dir = '/Library/Management/cmdm/puppet',
) {
  file { $sources_dir:
    ensure  => directory,
    owner   => 'root',
    group   => 'wheel',
    mode    => '0700',
    recurse => true,
    purge   => true,   # a profile removed from the catalogue loses its source, so apply removes it
    source  => 'puppet:///modules/cmdm_profiles/profiles',
  }

  exec { "cmdm apply ${prefix}":
    command   => "${cmdm} apply --prefix ${prefix} ${sources_dir}",
    unless    => "${cmdm} apply --check --prefix ${prefix} ${sources_dir}",
    logoutput => true,
    require   => File[$sources_dir],
  }
}
