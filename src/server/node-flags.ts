/**
 * Whether this process was started with a V8/Node flag (`--max-semi-space-size=16`, `--max_semi_space_size 16`),
 * on its command line or in `NODE_OPTIONS`: the heap policies (young-generation.ts,
 * old-generation.ts) leave a setting the operator chose alone.
 */
export function startedWithFlag(name: string): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map((flag) => flag.replaceAll('_', '-'));
  return given.some((flag) => flag === name || flag.startsWith(`${name}=`));
}
