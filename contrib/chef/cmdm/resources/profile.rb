# cmdm_profile: a configuration profile installed or removed through the MDM by `cmdm apply`,
# compiled on the device against its facts. Given as a Ruby hash (`profile`) or a file (`path`:
# .mobileconfig, signed or not, .json or .yaml). Idempotent: `cmdm apply --check` decides, and
# nothing is sent when the device already matches.
#
#   cmdm_profile 'com.example.chef.wifi' do
#     profile('PayloadIdentifier' => 'com.example.chef.wifi', 'PayloadType' => 'Configuration',
#             'PayloadContent' => [...])
#   end
unified_mode true
provides :cmdm_profile

property :identifier, String, name_property: true
property :profile, Hash
property :path, String
property :binary, String, default: lazy { node['cmdm']['binary'] }
property :sources_dir, String, default: lazy { ::File.join(node['cmdm']['sources_dir'], 'resources') }
property :apply_args, Array, default: lazy { node['cmdm']['apply_args'] }

action_class do
  include CmdmCookbook::Helpers

  def scope
    ['--profile', new_resource.identifier]
  end

  # The source file: the hash as JSON, or a copy of the given file (its bytes unchanged).
  def write_source
    if new_resource.profile
      target = cmdm_source_path(new_resource.sources_dir, new_resource.identifier)
      cmdm_write_source(target, cmdm_profile_json(new_resource.profile))
    elsif new_resource.path
      target = cmdm_source_path(new_resource.sources_dir, new_resource.identifier,
                                ::File.extname(new_resource.path))
      cmdm_write_source(target, ::File.binread(new_resource.path))
    else
      raise CmdmCookbook::CmdmError, 'cmdm_profile needs profile or path'
    end
    target
  end
end

action :install do
  source = write_source
  if cmdm_pending?(new_resource.binary, scope, [source], new_resource.apply_args)
    converge_by("install profile #{new_resource.identifier} through the MDM") do
      cmdm_apply!(new_resource.binary, scope, [source], new_resource.apply_args)
    end
  end
end

action :remove do
  Dir.glob(cmdm_source_path(new_resource.sources_dir, new_resource.identifier, '.*')).each do |f|
    ::File.delete(f)
  end
  # No source within the scope: the desired state is nothing, so apply removes it.
  if cmdm_pending?(new_resource.binary, scope, [], new_resource.apply_args)
    converge_by("remove profile #{new_resource.identifier} through the MDM") do
      cmdm_apply!(new_resource.binary, scope, [], new_resource.apply_args)
    end
  end
end
