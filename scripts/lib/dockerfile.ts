/**
 * Reads the Dockerfile as Docker does (line continuations joined, comments dropped, instructions
 * split into stages), so the checks that hold the image to the manifest — tests/deploy/manifest.test.ts
 * and `npm run image:check` — read the same instructions and cannot drift from the file.
 * Syntax reference: https://docs.docker.com/reference/dockerfile/ (only what our Dockerfile uses:
 * no heredocs, no escape directive).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './stamps';

/** One instruction: `keyword` upper-case (`COPY`), `args` the rest of the line, `line` both. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: string;
}

/** A build stage: `FROM <from> AS <name>` and the instructions up to the next FROM. */
export interface Stage {
  readonly name: string;
  /** An image reference or the name of an earlier stage (`ARG`s before the first FROM substituted). */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** A COPY instruction's parts: `--from` stage (none: the build context), `--chown` dropped. */
export interface CopyInstruction {
  readonly from?: string;
  readonly sources: readonly string[];
  readonly destination: string;
}

/** The instruction lines of a Dockerfile: continuations joined with a space, blank lines and comments dropped. */
export function dockerfileLines(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * The stages of a Dockerfile, in order.
 * @throws Error when an instruction comes before the first FROM (other than ARG) or a FROM has no `AS` name.
 */
export function parseStages(text: string): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const line of dockerfileLines(text)) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' '), line };
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)\s+AS\s+(\S+)$/i.exec(instruction.args);
      if (!match) throw new Error(`Dockerfile: every stage needs a name (FROM <image> AS <name>): ${line}`);
      const from = match[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs.get((a ?? b)!) ?? '');
      stages.push({ name: match[2]!, from, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile: ${line} before the first FROM`);
      const [name, value = ''] = instruction.args.split('=');
      globalArgs.set(name!, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The repository's Dockerfile, parsed. */
export const repositoryStages = (file = path.join(ROOT, 'Dockerfile')): Stage[] => parseStages(readFileSync(file, 'utf8'));

/** The stage called `name`. @throws Error when there is none. */
export function stageNamed(stages: readonly Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`Dockerfile has no stage ${name} (stages: ${stages.map((s) => s.name).join(', ')})`);
  return stage;
}

/** A COPY instruction's `--from`, sources and destination (shell form; our Dockerfile uses no JSON form for COPY). */
export function parseCopy(args: string): CopyInstruction {
  const words = args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else if (!flag.startsWith('--chown=') && !flag.startsWith('--chmod=')) throw new Error(`COPY flag ${flag} is not supported here`);
  }
  if (words.length < 2) throw new Error(`COPY needs a source and a destination: COPY ${args}`);
  return { from, sources: words.slice(0, -1), destination: words.at(-1)! };
}

/** `ENV K=V K2=V2` (the `K=V` form, values without spaces or quotes, as ours are) → pairs. */
export function parseEnv(args: string): [string, string][] {
  return args.split(/\s+/).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`ENV ${args}: only the KEY=value form is supported`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}
