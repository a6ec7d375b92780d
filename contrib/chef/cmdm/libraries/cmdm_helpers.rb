# The work behind the cmdm_profile resource and the cpe_profiles recipe, in plain Ruby so it is
# tested without Chef (contrib/chef/cmdm/test). `shell_out` is the including class's (Chef's
# Mixin::ShellOut, or a test's stub); nothing here runs a shell: every command is an argv array.
require 'fileutils'
require 'json'

module CmdmCookbook
  # `cmdm apply --check` exit statuses (docs/integrations.md "The --check contract").
  CHECK_MATCHES = 0
  CHECK_PENDING = 1

  class CmdmError < StandardError; end

  module Helpers
    # The file a profile's source is written to: its identifier, as cmdm names part files.
    def cmdm_source_path(dir, identifier, extension = '.json')
      raise CmdmError, "unsafe profile identifier #{identifier.inspect}" unless
        identifier =~ /\A[A-Za-z0-9][A-Za-z0-9._-]*\z/

      ::File.join(dir, identifier + extension)
    end

    # A profile given as a Ruby hash becomes a JSON source (cmdm reads JSON profiles; strings may
    # hold templates such as "{{ facts.serial_number }}", compiled on the device).
    def cmdm_profile_json(profile)
      raise CmdmError, 'the profile must be a Hash' unless profile.is_a?(Hash)

      JSON.pretty_generate(profile) + "\n"
    end

    # Writes `content` to `path` only when it differs; true when written.
    def cmdm_write_source(path, content)
      FileUtils.mkdir_p(::File.dirname(path), mode: 0o700)
      return false if ::File.exist?(path) && ::File.binread(path) == content

      tmp = "#{path}.tmp"
      ::File.open(tmp, 'wb', 0o600) { |f| f.write(content) }
      ::File.rename(tmp, path)
      true
    end

    # argv of `cmdm apply` for a scope (['--prefix', P] or ['--profile', ID]) and its sources.
    def cmdm_apply_argv(binary, scope, sources, extra, check:)
      argv = [binary, 'apply']
      argv << '--check' if check
      argv + extra + scope + sources
    end

    # True when `cmdm apply --check` says changes are pending; raises on any other answer (the
    # MDM or the device could not be asked: the run must fail, not guess).
    def cmdm_pending?(binary, scope, sources, extra = [])
      check = shell_out(*cmdm_apply_argv(binary, scope, sources, extra, check: true))
      case check.exitstatus
      when CHECK_MATCHES then false
      when CHECK_PENDING then true
      else
        raise CmdmError, "cmdm apply --check failed (exit #{check.exitstatus}): " \
                         "#{check.stderr.to_s.strip}"
      end
    end

    # Runs `cmdm apply` for the scope; raises when it does not succeed.
    def cmdm_apply!(binary, scope, sources, extra = [])
      run = shell_out(*cmdm_apply_argv(binary, scope, sources, extra, check: false))
      return run if run.exitstatus.zero?

      raise CmdmError, "cmdm apply failed (exit #{run.exitstatus}): " \
                       "#{(run.stdout.to_s + run.stderr.to_s).strip}"
    end

    # The rule of `cmdm apply --prefix`: the prefix itself, or below it at a dot.
    def cmdm_under_prefix?(identifier, prefix)
      return true if identifier == prefix

      identifier.start_with?(prefix.end_with?('.') ? prefix : "#{prefix}.")
    end

    # The desired profiles (identifier => hash) become the only sources in `dir`. Returns their
    # paths, sorted.
    def cmdm_sync_sources(dir, profiles)
      wanted = profiles.map do |identifier, profile|
        path = cmdm_source_path(dir, identifier)
        cmdm_write_source(path, cmdm_profile_json(profile))
        path
      end
      Dir.glob(::File.join(dir, '*.json')).each { |f| ::File.delete(f) unless wanted.include?(f) }
      wanted.sort
    end

    # The cpe_profiles destination: of every profile cpe_profiles holds, those under `prefix` are
    # written as sources and applied with `--prefix`, which also removes what is no longer
    # desired. True when an apply ran (the check said changes were pending).
    def cmdm_converge_prefix(binary, prefix, dir, all_profiles, extra = [])
      mine = all_profiles.select { |identifier, _| cmdm_under_prefix?(identifier, prefix) }
      sources = cmdm_sync_sources(dir, mine)
      scope = ['--prefix', prefix]
      return false unless cmdm_pending?(binary, scope, sources, extra)

      cmdm_apply!(binary, scope, sources, extra)
      true
    end
  end
end
