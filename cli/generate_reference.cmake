# Writes the man pages and shell completion scripts with the built cmdm, from its own option
# tables (`cmdm --help-man [NAME]`, `cmdm completion bash|zsh`), so they cannot drift from --help.
# Inputs: -DCMDM=path/to/cmdm -DOUT_DIR=... -DCOMMANDS=name,name,...
function(run_into file)
  execute_process(COMMAND "${CMDM}" ${ARGN} OUTPUT_FILE "${file}.tmp" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "cmdm ${ARGN} failed (${failed})")
  endif()
  file(RENAME "${file}.tmp" "${file}")
endfunction()

string(REPLACE "," ";" COMMANDS "${COMMANDS}")
file(MAKE_DIRECTORY "${OUT_DIR}/man1" "${OUT_DIR}/completions")
run_into("${OUT_DIR}/man1/cmdm.1" --help-man)
foreach(name IN LISTS COMMANDS)
  run_into("${OUT_DIR}/man1/cmdm-${name}.1" --help-man ${name})
endforeach()
run_into("${OUT_DIR}/completions/cmdm.bash" completion bash)
run_into("${OUT_DIR}/completions/_cmdm" completion zsh)
