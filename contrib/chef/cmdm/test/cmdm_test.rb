# The cmdm cookbook under Debian's Ruby and minitest, without Chef: the resource and the recipe
# are evaluated in a small stand-in of Chef's DSL, and `shell_out` is stubbed with scripted exit
# statuses, recording every argv. Run: ruby contrib/chef/cmdm/test/cmdm_test.rb
require 'minitest/autorun'
require 'tmpdir'
require_relative '../libraries/cmdm_helpers'

COOKBOOK = File.expand_path('..', __dir__)

# What shell_out returns.
FakeResult = Struct.new(:exitstatus, :stdout, :stderr)

# Scripted shell_out: answers `cmdm apply --check` with the next check status, `cmdm apply`
# with the next apply status; records every argv.
class FakeShell
  attr_reader :calls

  def initialize(checks: [], applies: [])
    @checks = checks
    @applies = applies
    @calls = []
  end

  def run(argv)
    raise 'shell_out must get an argv array, never a shell string' if argv.size < 2

    @calls << argv
    status = argv.include?('--check') ? @checks.shift : @applies.shift
    raise "unexpected command #{argv.inspect}" if status.nil?

    FakeResult.new(status, '', status.zero? || status == 1 ? '' : 'cmdm: the MDM is unreachable')
  end

  def applies
    @calls.reject { |argv| argv.include?('--check') }
  end
end

# Just enough of Chef's custom resource DSL to run resources/profile.rb: properties with
# defaults (lazy ones see `node`), action_class, actions, converge_by.
class FakeResourceClass
  Lazy = Struct.new(:block)
  attr_reader :properties, :actions, :helpers

  def initialize(node)
    @node = node
    @properties = {}
    @actions = {}
    @helpers = Module.new
    instance_eval(File.read(File.join(COOKBOOK, 'resources/profile.rb')), 'profile.rb')
  end

  attr_reader :node

  def unified_mode(_on); end
  def provides(_name); end

  def lazy(&block)
    Lazy.new(block)
  end

  def property(name, _type, options = {})
    @properties[name] = options
  end

  def action_class(&block)
    @helpers.module_eval(&block)
  end

  def action(name, &block)
    @actions[name] = block
  end

  # Runs one action for a resource named `name` with `values`; returns the converge messages.
  def run(action, name, values, shell)
    resource = Struct.new(*@properties.keys).new
    @properties.each do |prop, options|
      value = options[:name_property] ? name : values.fetch(prop, options[:default])
      value = value.block.call if value.is_a?(Lazy)
      resource[prop] = value
    end
    provider = Provider.new(resource, shell)
    provider.extend(@helpers)
    provider.instance_eval(&@actions.fetch(action))
    provider.converged
  end

  # The action's self: new_resource, shell_out, converge_by.
  class Provider
    attr_reader :new_resource, :converged

    def initialize(resource, shell)
      @new_resource = resource
      @shell = shell
      @converged = []
    end

    def shell_out(*argv)
      @shell.run(argv)
    end

    def converge_by(message)
      @converged << message
      yield
    end
  end
end

WIFI = {
  'PayloadIdentifier' => 'com.example.chef.wifi',
  'PayloadType' => 'Configuration',
  'PayloadUUID' => '7F1D2E3C-1111-4222-8333-944455556666',
  'PayloadVersion' => 1,
  'PayloadContent' => [{ 'PayloadType' => 'com.apple.wifi.managed', 'SSID_STR' => 'Corp',
                         'PayloadIdentifier' => 'com.example.chef.wifi.w', 'PayloadVersion' => 1,
                         'PayloadUUID' => '7F1D2E3C-1111-4222-8333-944455556667' }]
}.freeze

class CmdmProfileResourceTest < Minitest::Test
  def setup
    @dir = Dir.mktmpdir('cmdm-chef-')
    @node = { 'cmdm' => { 'binary' => '/usr/local/bin/cmdm', 'prefix' => 'com.example.chef',
                          'sources_dir' => @dir, 'apply_args' => ['--config', '/etc/cmdm.plist'] } }
    @resource = FakeResourceClass.new(@node)
  end

  def teardown
    FileUtils.rm_rf(@dir)
  end

  def test_install_writes_the_hash_as_a_json_source_and_applies_when_check_says_pending
    shell = FakeShell.new(checks: [1], applies: [0])
    converged = @resource.run(:install, 'com.example.chef.wifi', { profile: WIFI }, shell)
    source = File.join(@dir, 'resources', 'com.example.chef.wifi.json')
    assert_equal WIFI, JSON.parse(File.read(source))
    assert_equal 0o600, File.stat(source).mode & 0o777
    assert_equal [%W[/usr/local/bin/cmdm apply --check --config /etc/cmdm.plist
                     --profile com.example.chef.wifi #{source}],
                  %W[/usr/local/bin/cmdm apply --config /etc/cmdm.plist
                     --profile com.example.chef.wifi #{source}]], shell.calls
    assert_equal ['install profile com.example.chef.wifi through the MDM'], converged
  end

  def test_install_is_idempotent_no_apply_when_check_says_the_device_matches
    shell = FakeShell.new(checks: [0])
    converged = @resource.run(:install, 'com.example.chef.wifi', { profile: WIFI }, shell)
    assert_empty shell.applies
    assert_empty converged
  end

  def test_install_from_a_file_copies_its_bytes_unchanged
    file = File.join(@dir, 'given.mobileconfig')
    File.binwrite(file, "\x30\x82signed-bytes".b)
    shell = FakeShell.new(checks: [0])
    @resource.run(:install, 'com.example.chef.vpn', { path: file }, shell)
    copy = File.join(@dir, 'resources', 'com.example.chef.vpn.mobileconfig')
    assert_equal File.binread(file), File.binread(copy)
    assert_equal copy, shell.calls[0].last
  end

  def test_a_failed_check_fails_the_run_instead_of_guessing
    shell = FakeShell.new(checks: [69])
    error = assert_raises(CmdmCookbook::CmdmError) do
      @resource.run(:install, 'com.example.chef.wifi', { profile: WIFI }, shell)
    end
    assert_match(/exit 69.*unreachable/, error.message)
    assert_empty shell.applies
  end

  def test_a_failed_apply_fails_the_run
    shell = FakeShell.new(checks: [1], applies: [1])
    assert_raises(CmdmCookbook::CmdmError) do
      @resource.run(:install, 'com.example.chef.wifi', { profile: WIFI }, shell)
    end
  end

  def test_remove_deletes_the_source_and_applies_nothing_in_the_profiles_scope
    @resource.run(:install, 'com.example.chef.wifi', { profile: WIFI }, FakeShell.new(checks: [0]))
    shell = FakeShell.new(checks: [1], applies: [0])
    converged = @resource.run(:remove, 'com.example.chef.wifi', {}, shell)
    refute File.exist?(File.join(@dir, 'resources', 'com.example.chef.wifi.json'))
    assert_equal %w[/usr/local/bin/cmdm apply --config /etc/cmdm.plist
                    --profile com.example.chef.wifi], shell.applies[0]
    assert_equal 1, converged.size
    assert_empty @resource.run(:remove, 'com.example.chef.wifi', {}, FakeShell.new(checks: [0]))
  end

  def test_refuses_an_identifier_that_would_leave_the_sources_directory
    assert_raises(CmdmCookbook::CmdmError) do
      @resource.run(:install, '../../etc/x', { profile: WIFI }, FakeShell.new)
    end
  end
end

# The recipe's work (recipes/cpe_profiles.rb calls cmdm_converge_prefix).
class CpeProfilesDestinationTest < Minitest::Test
  include CmdmCookbook::Helpers

  def setup
    @dir = Dir.mktmpdir('cmdm-cpe-')
    @shell = nil
  end

  def teardown
    FileUtils.rm_rf(@dir)
  end

  def shell_out(*argv)
    @shell.run(argv)
  end

  def converge(profiles, shell)
    @shell = shell
    cmdm_converge_prefix('/usr/local/bin/cmdm', 'com.example.chef', @dir, profiles)
  end

  def test_writes_only_profiles_under_the_prefix_and_applies_them_with_it
    profiles = { 'com.example.chef.wifi' => WIFI, 'com.example.chefs.other' => WIFI,
                 'com.other.dock' => WIFI }
    assert converge(profiles, FakeShell.new(checks: [1], applies: [0]))
    assert_equal ['com.example.chef.wifi.json'], Dir.children(@dir)
    assert_equal %W[/usr/local/bin/cmdm apply --prefix com.example.chef
                    #{File.join(@dir, 'com.example.chef.wifi.json')}], @shell.applies[0]
  end

  def test_a_profile_no_longer_desired_loses_its_source_so_apply_removes_it
    converge({ 'com.example.chef.a' => WIFI, 'com.example.chef.b' => WIFI },
             FakeShell.new(checks: [1], applies: [0]))
    converge({ 'com.example.chef.a' => WIFI }, FakeShell.new(checks: [1], applies: [0]))
    assert_equal ['com.example.chef.a.json'], Dir.children(@dir)
    converge({}, FakeShell.new(checks: [1], applies: [0]))
    assert_empty Dir.children(@dir)
    assert_equal %w[/usr/local/bin/cmdm apply --prefix com.example.chef], @shell.applies[0]
  end

  def test_a_second_run_with_nothing_changed_sends_nothing
    converge({ 'com.example.chef.a' => WIFI }, FakeShell.new(checks: [1], applies: [0]))
    before = File.mtime(File.join(@dir, 'com.example.chef.a.json'))
    refute converge({ 'com.example.chef.a' => WIFI }, FakeShell.new(checks: [0]))
    assert_empty @shell.applies
    assert_equal before, File.mtime(File.join(@dir, 'com.example.chef.a.json'))
  end

  def test_the_recipe_runs_this_helper_with_the_cookbooks_attributes
    recipe = File.read(File.join(COOKBOOK, 'recipes/cpe_profiles.rb'))
    assert_match(/cmdm_converge_prefix\(node\['cmdm'\]\['binary'\], node\['cmdm'\]\['prefix'\]/, recipe)
  end
end
