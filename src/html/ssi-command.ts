/**
 * Reading one nginx SSI command, `<!--# name param="value" … -->`, exactly as nginx's
 * `ngx_http_ssi_parse` state machine does: the command name runs to white space or `-`; every
 * parameter is `name="value"` or `name='value'` (a value cannot be unquoted); a backslash keeps
 * the next character in the value (both stay: `\"` does not end it, and the `\` is removed later,
 * when the value is evaluated); the command ends with `-->` right after the last value or white
 * space. Anything else is a malformed command, which nginx replaces with its `errmsg`.
 *
 * Bytes in, bytes out: the text is the latin1 reading of the page's bytes (one char per byte),
 * so values keep the page's bytes whatever its charset.
 */

export interface SsiParam {
  name: string;
  value: string;
}

export interface SsiCommand {
  /** The command name as written (nginx matches names case-sensitively). */
  name: string;
  params: SsiParam[];
  /** Set when nginx would reject the command while reading it: what is wrong, in nginx's words. */
  error?: string;
}

/** nginx's `NGX_HTTP_SSI_COMMAND_LEN` and `NGX_HTTP_SSI_PARAM_LEN`. */
const NAME_LENGTH = 32;
/** nginx's default `ssi_value_length`. */
export const SSI_VALUE_LENGTH = 255;

type State =
  | 'precommand'
  | 'command'
  | 'preparam'
  | 'param'
  | 'preequal'
  | 'prevalue'
  | 'double'
  | 'single'
  | 'symbol'
  | 'postparam'
  | 'end0'
  | 'end1';

function isSpace(c: string): boolean {
  return c === ' ' || c === '\r' || c === '\n' || c === '\t';
}

/**
 * The command in a comment's content: the latin1 text between `<!--` and `-->`, which starts
 * with `#`. Always returns a command; a malformed one carries `error`.
 */
export function parseSsiCommand(content: string): SsiCommand {
  const command: SsiCommand = { name: '', params: [] };
  const text = content.slice(1) + '-->';
  let state: State = 'precommand';
  let param: SsiParam | undefined;
  let quoted: 'double' | 'single' = 'double';
  // Names and values are sliced from the text once they end (not built a character at a time).
  let from = 0;
  let i = 0;
  /** The name or value being read, up to `i`, into the command (what nginx has read so far). */
  const settle = () => {
    if (state === 'command') command.name = text.slice(from, i);
    else if (state === 'param') param!.name = text.slice(from, i);
    else if (state === 'double' || state === 'single' || state === 'symbol') param!.value = text.slice(from, i);
  };
  const fail = (error: string): SsiCommand => {
    settle();
    return { ...command, error };
  };

  for (; i < text.length; i++) {
    const c = text[i];
    switch (state) {
      case 'precommand':
        if (isSpace(c)) break;
        from = i;
        state = 'command';
        break;
      case 'command':
        if (isSpace(c) || c === '-') {
          settle();
          state = c === '-' ? 'end0' : 'preparam';
        } else if (i - from === NAME_LENGTH) return fail(`the "${text.slice(from, i)}${c}..." SSI command is too long`);
        break;
      case 'preparam':
        if (isSpace(c)) break;
        if (c === '-') {
          state = 'end0';
          break;
        }
        param = { name: '', value: '' };
        command.params.push(param);
        from = i;
        state = 'param';
        break;
      case 'param':
        if (isSpace(c) || c === '=') {
          settle();
          state = c === '=' ? 'prevalue' : 'preequal';
        } else if (c === '-') return fail(`unexpected "-" symbol after "${text.slice(from, i)}" parameter in "${command.name}" SSI command`);
        else if (i - from === NAME_LENGTH) return fail(`too long "${text.slice(from, i)}${c}..." parameter in "${command.name}" SSI command`);
        break;
      case 'preequal':
        if (isSpace(c)) break;
        if (c === '=') state = 'prevalue';
        else return fail(`unexpected "${c}" symbol after "${param!.name}" parameter in "${command.name}" SSI command`);
        break;
      case 'prevalue':
        if (isSpace(c)) break;
        if (c === '"') state = quoted = 'double';
        else if (c === "'") state = quoted = 'single';
        else return fail(`unexpected "${c}" symbol before value of "${param!.name}" parameter in "${command.name}" SSI command`);
        from = i + 1;
        break;
      case 'double':
      case 'single':
        // The value keeps a backslash and the character after it (both: see above).
        if (c === (state === 'double' ? '"' : "'")) {
          settle();
          state = 'postparam';
          break;
        }
        if (i - from === SSI_VALUE_LENGTH) return fail(`too long "${text.slice(from, i)}${c}..." value of "${param!.name}" parameter in "${command.name}" SSI command`);
        if (c === '\\') state = 'symbol';
        break;
      case 'symbol':
        if (i - from === SSI_VALUE_LENGTH) return fail(`too long "${text.slice(from, i)}${c}..." value of "${param!.name}" parameter in "${command.name}" SSI command`);
        state = quoted;
        break;
      case 'postparam':
        if (isSpace(c)) state = 'preparam';
        else if (c === '-') state = 'end0';
        else return fail(`unexpected "${c}" symbol after "${param!.value}" value of "${param!.name}" parameter in "${command.name}" SSI command`);
        break;
      case 'end0':
        if (c !== '-') return fail(`unexpected "${c}" symbol in "${command.name}" SSI command`);
        state = 'end1';
        break;
      case 'end1':
        if (c !== '>') return fail(`unexpected "${c}" symbol in "${command.name}" SSI command`);
        // `-->` can only be the one we appended: the scanner ended the comment at the first one.
        return i === text.length - 1 ? command : fail(`unexpected text after "-->" in "${command.name}" SSI command`);
    }
  }
  return fail(`the "${command.name}" SSI command is not terminated`);
}
