# `cmake --install` (and `make install`): the binary, its man pages and shell completions
# (generated at build time from the option tables, cli/CMakeLists.txt), the documentation and the
# manifest's JSON Schema; and `cpack -G DEB`, a Debian package of the same files.
include(GNUInstallDirs)

# zsh reads completions from vendor-completions on Debian and from site-functions on macOS
# (Homebrew links share/zsh/site-functions into zsh's fpath).
if(APPLE)
  set(cmdm_zsh_default ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
else()
  set(cmdm_zsh_default ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
endif()
set(CMDM_ZSH_COMPLETION_DIR ${cmdm_zsh_default} CACHE STRING "Where _cmdm is installed")
set(CMDM_BASH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    CACHE STRING "Where the bash completion for cmdm is installed")

install(TARGETS cmdm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The `profiles` front end, the small cmdm-profiles executable (frontend/CMakeLists.txt, which
# also sets CMDM_PROFILES_DIR: the front end finds bin/cmdm from there). It goes to libexec, not
# bin: a `profiles` early in PATH would shadow Apple's tool for everyone; a caller or a fleet that
# wants it there links or adds it to PATH (docs/integrations.md).
install(PROGRAMS $<TARGET_FILE:cmdm-profiles> DESTINATION ${CMDM_PROFILES_DIR} RENAME profiles)
install(DIRECTORY ${cmdm_reference_dir}/man1 DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${cmdm_reference_dir}/completions/cmdm.bash DESTINATION ${CMDM_BASH_COMPLETION_DIR}
        RENAME cmdm)
install(FILES ${cmdm_reference_dir}/completions/_cmdm DESTINATION ${CMDM_ZSH_COMPLETION_DIR})
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md" PATTERN "*.png")
# The manifest's schema, for tools that read manifest.json; it joins the tree separately, so a
# tree without it still configures.
if(EXISTS ${CMAKE_SOURCE_DIR}/docs/manifest.schema.json)
  install(FILES docs/manifest.schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/cmdm)
endif()

# The Debian package. Depends is computed by dpkg-shlibdeps from what the binary really links
# (libplist has no static archive; the rest is linked in, CMDM_STATIC_DEPS).
set(CPACK_PACKAGE_NAME cmdm)
set(CPACK_PACKAGE_VENDOR "cmdm")
set(CPACK_PACKAGE_CONTACT "cmdm maintainers <cmdm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "cmdm compiles templated configuration-profile sources into minimal .mobileconfig files, "
    "splits them to fit MDM vendors' size limits, signs them, and emits command bodies, a "
    "manifest and a bundle.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_GENERATOR DEB)
include(CPack)
