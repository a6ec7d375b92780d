# The MDM destination of Facebook IT-CPE's cpe_profiles: its routing copies node['cpe_profiles']
# (identifier => profile hash) with this cookbook's identifier prefix; here every desired profile
# under the prefix becomes a source in one directory, and one `cmdm apply --prefix` makes the Mac
# match it: new and changed profiles are installed, ones no longer desired are removed, anything
# outside the prefix is left alone. Nothing is sent when `cmdm apply --check` says the device
# already matches (docs/integrations.md "Chef").
ruby_block 'cmdm apply cpe_profiles' do
  block do
    extend CmdmCookbook::Helpers
    extend Chef::Mixin::ShellOut
    cmdm_converge_prefix(node['cmdm']['binary'], node['cmdm']['prefix'],
                         node['cmdm']['sources_dir'], (node['cpe_profiles'] || {}).to_h,
                         node['cmdm']['apply_args'])
  end
end
