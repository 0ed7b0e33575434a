/**
 * Shell completion scripts generated from the command definitions: commands, each one's
 * options, file names for `<file>` and `--db`, and actor ids (from `troupe ps -q --all`)
 * for `<id>` arguments. Pure functions of the definitions, so tests can run what they print.
 */
import type { CommandDef } from './command.js';
import { optionsOf } from './help.js';

/** Per command: its options as typed, and what each positional argument completes to. */
interface Shape {
  readonly name: string;
  readonly options: readonly string[];
  /** Options that take a value (their next word is not an argument). */
  readonly valued: readonly string[];
  readonly args: readonly ('actor' | 'file' | 'none')[];
}

function shapes(commands: readonly CommandDef[]): Shape[] {
  return commands.map((command) => {
    const options = optionsOf(command);
    return {
      name: command.name,
      options: options.flatMap((o) => [`--${o.name}`, ...(o.short === undefined ? [] : [`-${o.short}`])]),
      valued: options.filter((o) => o.value !== undefined).flatMap((o) => [`--${o.name}`, ...(o.short === undefined ? [] : [`-${o.short}`])]),
      args: command.args.map((arg) => arg.complete ?? 'none'),
    };
  });
}

/**
 * A bash completion script: `source <(troupe completion bash)`.
 *
 * @example
 * process.stdout.write(bashCompletion(await loadAll()))
 */
export function bashCompletion(commands: readonly CommandDef[]): string {
  const cases = shapes(commands)
    .map((s) => `    ${s.name}) opts="${s.options.join(' ')}"; valued="${s.valued.join(' ')}"; args="${s.args.join(' ')}" ;;`)
    .join('\n');
  return `# troupe completion for bash: source <(troupe completion bash)
_troupe() {
  local cur prev cmd opts valued args word i n kind
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.map((c) => c.name).join(' ')}" -- "$cur") )
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${cases}
    *) return ;;
  esac
  if [ "$prev" = "--db" ]; then COMPREPLY=( $(compgen -f -- "$cur") ); return; fi
  case " $valued " in *" $prev "*) return ;; esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); return; fi
  # Which positional argument is being typed: words after the command that are not options or their values.
  n=0; i=2
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word="\${COMP_WORDS[i]}"
    case " $valued " in *" $word "*) i=$((i + 1)) ;; *) [[ "$word" == -* ]] || n=$((n + 1)) ;; esac
    i=$((i + 1))
  done
  set -- $args
  shift "$n" 2>/dev/null || return
  kind="$1"
  case "$kind" in
    actor) COMPREPLY=( $(compgen -W "$(troupe ps -q --all 2>/dev/null)" -- "$cur") ) ;;
    file) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
complete -F _troupe troupe
`;
}

/**
 * A zsh completion script: `source <(troupe completion zsh)` (after `compinit`).
 *
 * @example
 * process.stdout.write(zshCompletion(await loadAll()))
 */
export function zshCompletion(commands: readonly CommandDef[]): string {
  const describe = commands.map((c) => `    '${c.name}:${c.summary.replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`).join('\n');
  const cases = shapes(commands)
    .map((s) => `    ${s.name}) opts=(${s.options.join(' ')}); valued=(${s.valued.join(' ')}); args=(${s.args.join(' ')}) ;;`)
    .join('\n');
  return `#compdef troupe
# troupe completion for zsh: source <(troupe completion zsh)
_troupe() {
  local -a commands opts valued args
  local cmd word kind
  local -i i n
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  cmd="\${words[2]}"
  case "$cmd" in
${cases}
    *) return ;;
  esac
  if [[ "\${words[CURRENT-1]}" == --db ]]; then _files; return; fi
  if (( \${valued[(Ie)\${words[CURRENT-1]}]} )); then return; fi
  if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- $opts; return; fi
  n=0; i=3
  while (( i < CURRENT )); do
    word="\${words[i]}"
    if (( \${valued[(Ie)$word]} )); then (( i++ )); elif [[ "$word" != -* ]]; then (( n++ )); fi
    (( i++ ))
  done
  kind="\${args[n+1]}"
  case "$kind" in
    actor) compadd -- \${(f)"$(troupe ps -q --all 2>/dev/null)"} ;;
    file) _files ;;
  esac
}
compdef _troupe troupe
`;
}
