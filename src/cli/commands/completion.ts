/** The part of the command table completion needs (given by commands/index.ts, which this must not import: a cycle). */
export type CommandUsages = Record<string, { usage: string }>;

/** The options a command's usage line names (`--json`, `--config`, ...), plus --help. */
export function optionsOf(usage: string): string[] {
  return [...new Set([...(usage.match(/--[a-z][a-z-]*/g) ?? []), '--help'])];
}

/** Bash completion generated from the command table: commands, subcommands, each one's options. */
export function bashScript(commands: CommandUsages): string {
  const names = Object.keys(commands);
  const words = [...new Set(names.map((n) => n.split(' ')[0]))];
  const groups = words
    .map((w) => [w, names.filter((n) => n.startsWith(w + ' ')).map((n) => n.slice(w.length + 1))] as const)
    .filter(([, subs]) => subs.length > 0);
  const optionCases = names.map((n) => `    "${n}") opts="${optionsOf(commands[n].usage).join(' ')}" ;;`).join('\n');
  const groupCases = groups.map(([w, subs]) => `    ${w}) subs="${subs.join(' ')}" ;;`).join('\n');
  return `# lowband bash completion: source <(lowband completion bash)
_lowband() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" subs="" opts="" key
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${words.join(' ')} help" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${groupCases}
  esac
  if [ -n "$subs" ]; then
    if [ "$COMP_CWORD" -eq 2 ]; then
      COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
      return
    fi
    key="\${COMP_WORDS[1]} \${COMP_WORDS[2]}"
  else
    key="\${COMP_WORDS[1]}"
  fi
  case "$key" in
${optionCases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _lowband lowband
`;
}

/** Zsh: the same function through zsh's bash-completion layer (bashcompinit ships with zsh). */
export function zshScript(commands: CommandUsages): string {
  return `#compdef lowband
# lowband zsh completion: lowband completion zsh > "\${fpath[1]}/_lowband", or source <(lowband completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(commands)}`;
}

/** `lowband completion bash|zsh` */
export async function run(argv: string[], commands: CommandUsages): Promise<number> {
  const shell = argv[0];
  if (argv.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) {
    process.stderr.write('lowband completion: which shell? usage: lowband completion bash|zsh\n');
    return 2;
  }
  process.stdout.write(shell === 'bash' ? bashScript(commands) : zshScript(commands));
  return 0;
}
